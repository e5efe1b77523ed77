package dev.sshuttle.sys;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/** Decoding of Linux {@code struct sockaddr_in} / {@code sockaddr_in6} (family in host order). */
final class Sockaddr {
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCKADDR_IN_BYTES = 16;
    static final int SOCKADDR_IN6_BYTES = 28;

    private Sockaddr() {}

    static InetSocketAddress decode(MemorySegment sa) throws IOException {
        int family = sa.get(JAVA_SHORT_UNALIGNED, 0) & 0xffff;
        int port = ((sa.get(JAVA_BYTE, 2) & 0xff) << 8) | (sa.get(JAVA_BYTE, 3) & 0xff);
        try {
            return switch (family) {
                case AF_INET -> new InetSocketAddress(
                        InetAddress.getByAddress(sa.asSlice(4, 4).toArray(JAVA_BYTE)), port);
                case AF_INET6 -> {
                    byte[] address = sa.asSlice(8, 16).toArray(JAVA_BYTE);
                    int scope = sa.get(JAVA_INT_UNALIGNED, 24);
                    InetAddress ip = scope == 0 ? InetAddress.getByAddress(address)
                            : Inet6Address.getByAddress(null, address, scope);
                    yield new InetSocketAddress(ip, port);
                }
                default -> throw new IOException("unexpected address family " + family + " in sockaddr");
            };
        } catch (UnknownHostException e) {
            throw new IOException("bad address in sockaddr", e);
        }
    }
}
