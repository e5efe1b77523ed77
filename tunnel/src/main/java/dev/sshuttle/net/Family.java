package dev.sshuttle.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/** IPv4 or IPv6, with the Linux AF_* number sshuttle writes on its line protocols (ROUTES, the helper's lines). */
public enum Family {
    IPV4(2, 32),
    IPV6(10, 128);

    /** Linux AF_INET / AF_INET6, as sshuttle writes them. */
    public final int afNumber;
    /** Bits in an address of this family: the largest allowed prefix width. */
    public final int maxWidth;

    Family(int afNumber, int maxWidth) {
        this.afNumber = afNumber;
        this.maxWidth = maxWidth;
    }

    public static Family of(InetAddress address) {
        return address instanceof Inet6Address ? IPV6 : IPV4;
    }

    /** The family for an AF number on the line protocol: 2 is IPv4, everything else IPv6 (as sshuttle's server does). */
    public static Family ofAfNumber(int af) {
        return af == IPV4.afNumber ? IPV4 : IPV6;
    }

    static boolean matches(Family family, InetAddress address) {
        return family == IPV4 ? address instanceof Inet4Address : address instanceof Inet6Address;
    }
}
