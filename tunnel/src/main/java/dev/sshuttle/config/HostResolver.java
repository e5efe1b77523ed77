package dev.sshuttle.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Turns a host name or literal into addresses; tests substitute a fixed table. */
@FunctionalInterface
public interface HostResolver {
    InetAddress[] resolve(String host) throws UnknownHostException;

    /**
     * The system resolver, with IPv4 literals read the way glibc's getaddrinfo reads them
     * (inet_aton: {@code 10} is 0.0.0.10, {@code 010.0.0.1} is 8.0.0.1), so sshuttle's
     * meaning of short forms is kept and no DNS query is made for them.
     */
    HostResolver SYSTEM = host -> {
        byte[] v4 = InetAton.parse(host);
        if (v4 != null) return new InetAddress[] {InetAddress.getByAddress(v4)};
        return InetAddress.getAllByName(host);
    };
}
