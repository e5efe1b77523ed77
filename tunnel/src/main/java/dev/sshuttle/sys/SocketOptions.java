package dev.sshuttle.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.NetworkChannel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** Socket options the JDK does not expose. */
public final class SocketOptions {
    private static final int SOL_SOCKET = 1;
    private static final int SO_DOMAIN = 39;
    private static final int IP_TRANSPARENT = 19;
    private static final int IPV6_TRANSPARENT = 75;
    private static final int IPV6_V6ONLY = 26;

    private SocketOptions() {}

    /**
     * Sets IP_TRANSPARENT (IPv4 socket) or IPV6_TRANSPARENT (IPv6 or dual-stack socket; the
     * kernel keeps one flag for both) so the socket may accept tproxy'd connections or bind to
     * a foreign address. Needs CAP_NET_ADMIN; call it before bind.
     */
    public static void setIpTransparent(NetworkChannel channel) throws IOException {
        int fd = ChannelFd.of(channel);
        if (domainOf(fd) == Sockaddr.AF_INET6) {
            Libc.setsockoptInt(fd, OriginalDestination.SOL_IPV6, IPV6_TRANSPARENT, 1,
                    "setsockopt(SOL_IPV6, IPV6_TRANSPARENT)");
        } else {
            Libc.setsockoptInt(fd, OriginalDestination.SOL_IP, IP_TRANSPARENT, 1,
                    "setsockopt(SOL_IP, IP_TRANSPARENT)");
        }
    }

    /**
     * Sets IPV6_V6ONLY on an IPv6 socket before bind: {@code [::]:PORT} then takes only IPv6,
     * so it can sit beside {@code 0.0.0.0:PORT}, and every accepted connection has the family
     * its firewall rules (and SO_ORIGINAL_DST level) were made for. The JDK has no option for it.
     */
    public static void setIpv6Only(NetworkChannel channel) throws IOException {
        Libc.setsockoptInt(ChannelFd.of(channel), OriginalDestination.SOL_IPV6, IPV6_V6ONLY, 1,
                "setsockopt(SOL_IPV6, IPV6_V6ONLY)");
    }

    /** Whether IPV6_V6ONLY is set on the channel's (IPv6) socket. */
    public static boolean isIpv6Only(NetworkChannel channel) throws IOException {
        return getInt(ChannelFd.of(channel), OriginalDestination.SOL_IPV6, IPV6_V6ONLY, "getsockopt(IPV6_V6ONLY)") != 0;
    }

    /** Whether IP_TRANSPARENT / IPV6_TRANSPARENT is set on the channel's socket. */
    public static boolean isIpTransparent(NetworkChannel channel) throws IOException {
        int fd = ChannelFd.of(channel);
        boolean v6 = domainOf(fd) == Sockaddr.AF_INET6;
        return getInt(fd, v6 ? OriginalDestination.SOL_IPV6 : OriginalDestination.SOL_IP,
                v6 ? IPV6_TRANSPARENT : IP_TRANSPARENT, "getsockopt(IP_TRANSPARENT)") != 0;
    }

    /** The socket's address family (AF_INET 2, AF_INET6 10), from SO_DOMAIN. */
    static int domainOf(int fd) throws IOException {
        return getInt(fd, SOL_SOCKET, SO_DOMAIN, "getsockopt(SOL_SOCKET, SO_DOMAIN)");
    }

    private static int getInt(int fd, int level, int name, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            MemorySegment length = arena.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, (int) JAVA_INT.byteSize());
            Libc.getsockopt(fd, level, name, value, length, what);
            return value.get(JAVA_INT, 0);
        }
    }
}
