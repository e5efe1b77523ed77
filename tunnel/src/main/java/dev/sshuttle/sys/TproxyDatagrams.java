package dev.sshuttle.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Receiving datagrams that TPROXY delivered to a transparent UDP socket, with the address they
 * were sent to: {@code IP_RECVORIGDSTADDR} / {@code IPV6_RECVORIGDSTADDR} on the socket and
 * {@code recvmsg(2)}, whose control message carries that address (the JDK's receive() has no
 * way to read it). One instance per socket; it owns native buffers and is used by one thread.
 */
public final class TproxyDatagrams {
    private static final int IP_RECVORIGDSTADDR = 20;
    private static final int IPV6_RECVORIGDSTADDR = 74;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_TRUNC = 0x20;
    /** The largest UDP payload over IPv4 (65535 - 8 - 20); IPv6 jumbograms do not occur here. */
    public static final int MAX_DATAGRAM = 65507;
    // struct msghdr on LP64 Linux: name, namelen(+pad), iov, iovlen, control, controllen, flags(+pad)
    private static final long MSGHDR_BYTES = 56;
    private static final long CONTROL_BYTES = 128;
    private static final MethodHandle RECVMSG = Libc.downcall("recvmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));

    private final DatagramChannel channel;
    private final int fd;
    private final int family;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment data = arena.allocate(MAX_DATAGRAM + 1);
    private final MemorySegment name = arena.allocate(Sockaddr.SOCKADDR_IN6_BYTES);
    private final MemorySegment control = arena.allocate(CONTROL_BYTES, 8);
    private final MemorySegment iov = arena.allocate(16, 8);
    private final MemorySegment msghdr = arena.allocate(MSGHDR_BYTES, 8);

    /** One datagram: its bytes, who sent it, and the address it was sent to. */
    public record Datagram(byte[] data, InetSocketAddress source, InetSocketAddress destination) {}

    private TproxyDatagrams(DatagramChannel channel, int fd, int family) {
        this.channel = channel;
        this.fd = fd;
        this.family = family;
    }

    /**
     * Asks the kernel to report each datagram's original destination on this (bound or not yet
     * bound) socket, and returns the receiver for it.
     */
    public static TproxyDatagrams enable(DatagramChannel channel) throws IOException {
        int fd = ChannelFd.of(channel);
        int family = SocketOptions.domainOf(fd);
        if (family == Sockaddr.AF_INET6) {
            Libc.setsockoptInt(fd, OriginalDestination.SOL_IPV6, IPV6_RECVORIGDSTADDR, 1, "setsockopt(IPV6_RECVORIGDSTADDR)");
        } else {
            Libc.setsockoptInt(fd, OriginalDestination.SOL_IP, IP_RECVORIGDSTADDR, 1, "setsockopt(IP_RECVORIGDSTADDR)");
        }
        return new TproxyDatagrams(channel, fd, family);
    }

    public DatagramChannel channel() {
        return channel;
    }

    /**
     * The next datagram, or null when none is waiting (never blocks). One without the
     * destination control message, or too big for the buffer, comes back with its data or
     * destination null, for the caller to drop.
     */
    public Datagram receive() throws IOException {
        iov.set(ADDRESS, 0, data);
        iov.set(JAVA_LONG, 8, data.byteSize());
        msghdr.fill((byte) 0);
        msghdr.set(ADDRESS, 0, name);
        msghdr.set(JAVA_INT, 8, (int) name.byteSize());
        msghdr.set(ADDRESS, 16, iov);
        msghdr.set(JAVA_LONG, 24, 1L);
        msghdr.set(ADDRESS, 32, control);
        msghdr.set(JAVA_LONG, 40, control.byteSize());
        long n;
        try {
            n = Libc.call("recvmsg", (state, a) ->
                    (int) (long) RECVMSG.invokeExact(state, fd, msghdr, MSG_DONTWAIT));
        } catch (NativeIOException e) {
            if (e.errno() == Errno.EAGAIN) return null;
            throw e;
        }
        if ((msghdr.get(JAVA_INT, 48) & MSG_TRUNC) != 0 || n > MAX_DATAGRAM) {
            return new Datagram(null, Sockaddr.decode(name), null); // too big: the caller drops it
        }
        return new Datagram(data.asSlice(0, n).toArray(JAVA_BYTE), Sockaddr.decode(name), originalDestination());
    }

    /** Walks the control messages for IP_ORIGDSTADDR (SOL_IP 20) or IPV6_ORIGDSTADDR (SOL_IPV6 74). */
    private InetSocketAddress originalDestination() throws IOException {
        long length = msghdr.get(JAVA_LONG, 40);
        long offset = 0;
        while (offset + 16 <= length) {
            long cmsgLen = control.get(JAVA_LONG, offset);
            if (cmsgLen < 16 || offset + cmsgLen > length) break;
            int level = control.get(JAVA_INT, offset + 8);
            int type = control.get(JAVA_INT, offset + 12);
            boolean v4 = level == OriginalDestination.SOL_IP && type == IP_RECVORIGDSTADDR;
            boolean v6 = level == OriginalDestination.SOL_IPV6 && type == IPV6_RECVORIGDSTADDR;
            if (v4 || v6) return Sockaddr.decode(control.asSlice(offset + 16, cmsgLen - 16));
            offset += (cmsgLen + 7) & ~7L;
        }
        return null;
    }

    public int family() {
        return family == Sockaddr.AF_INET6 ? 10 : 2;
    }

    /** Frees the native buffers (the channel is the caller's to close). */
    public void release() {
        arena.close();
    }
}
