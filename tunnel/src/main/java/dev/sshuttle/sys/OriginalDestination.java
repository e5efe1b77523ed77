package dev.sshuttle.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Where a connection that netfilter redirected (nat REDIRECT, nft redirect) was going before
 * the redirect: {@code getsockopt(SOL_IP, SO_ORIGINAL_DST)} for IPv4 (including v4-mapped
 * connections on a dual-stack socket) and {@code getsockopt(SOL_IPV6, IP6T_SO_ORIGINAL_DST)}
 * for IPv6. Like sshuttle, a connection without a conntrack entry (ENOENT) or a kernel
 * without the option (ENOPROTOOPT) yields the socket's own local address.
 */
public final class OriginalDestination {
    static final int SOL_IP = 0;
    static final int SOL_IPV6 = 41;
    static final int SO_ORIGINAL_DST = 80;

    private OriginalDestination() {}

    public static InetSocketAddress of(SocketChannel channel) throws IOException {
        if (!(channel.getLocalAddress() instanceof InetSocketAddress local)) {
            throw new IOException("socket is not bound to an IP address: " + channel);
        }
        boolean v4 = local.getAddress() instanceof Inet4Address;
        int fd = ChannelFd.of(channel);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = arena.allocate(Sockaddr.SOCKADDR_IN6_BYTES);
            MemorySegment length = arena.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, v4 ? Sockaddr.SOCKADDR_IN_BYTES : Sockaddr.SOCKADDR_IN6_BYTES);
            try {
                Libc.getsockopt(fd, v4 ? SOL_IP : SOL_IPV6, SO_ORIGINAL_DST, sockaddr, length,
                        v4 ? "getsockopt(SOL_IP, SO_ORIGINAL_DST)" : "getsockopt(SOL_IPV6, IP6T_SO_ORIGINAL_DST)");
            } catch (NativeIOException e) {
                if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOPROTOOPT) return local;
                throw e;
            }
            return Sockaddr.decode(sockaddr);
        }
    }
}
