package dev.sshuttle.config;

import java.net.Inet4Address;
import java.net.InetAddress;

/** IPv4 or IPv6, with the numbers the firewall helper's line protocol uses (Linux AF_*). */
public enum AddressFamily {
    INET(2, 32),
    INET6(10, 128);

    /** Linux's AF_INET / AF_INET6, as sshuttle writes them in the ROUTES lines. */
    public final int linuxNumber;
    /** Bits in an address of this family: the largest allowed width. */
    public final int maxWidth;

    AddressFamily(int linuxNumber, int maxWidth) {
        this.linuxNumber = linuxNumber;
        this.maxWidth = maxWidth;
    }

    public static AddressFamily of(InetAddress address) {
        return address instanceof Inet4Address ? INET : INET6;
    }
}
