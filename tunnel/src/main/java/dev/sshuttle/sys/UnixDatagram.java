package dev.sshuttle.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A unix-domain datagram socket (the JDK has unix stream sockets only): what systemd's
 * {@code $NOTIFY_SOCKET} is. A path starting with {@code @} is in the abstract namespace.
 */
public final class UnixDatagram implements AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM_CLOEXEC = 2 | 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SUN_PATH_BYTES = 108;
    private static final MethodHandle SOCKET = Libc.downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = Libc.downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDTO = Libc.downcall("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = Libc.downcall("recv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = Libc.downcall("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

    private final int fd;
    private boolean closed;

    private UnixDatagram(int fd) {
        this.fd = fd;
    }

    public static UnixDatagram open() throws IOException {
        return new UnixDatagram(Libc.call("socket(AF_UNIX, SOCK_DGRAM)",
                (state, arena) -> (int) SOCKET.invokeExact(state, AF_UNIX, SOCK_DGRAM_CLOEXEC, 0)));
    }

    /** Binds to a path (or {@code @name}); the caller removes a path file afterwards. */
    public UnixDatagram bind(String path) throws IOException {
        checkPath(path);
        Libc.call("bind(" + path + ")", (state, arena) -> {
            MemorySegment sa = sockaddr(arena, path);
            return (int) BIND.invokeExact(state, fd, sa, (int) sa.byteSize());
        });
        return this;
    }

    /** Sends one datagram to path. */
    public void send(String path, byte[] message) throws IOException {
        checkPath(path);
        Libc.call("sendto(" + path + ")", (state, arena) -> {
            MemorySegment sa = sockaddr(arena, path);
            MemorySegment data = arena.allocate(Math.max(1, message.length));
            MemorySegment.copy(message, 0, data, JAVA_BYTE, 0, message.length);
            return (int) (long) SENDTO.invokeExact(state, fd, data, (long) message.length, MSG_NOSIGNAL, sa, (int) sa.byteSize());
        });
    }

    /** The next datagram, waiting at most timeout; null when none came. */
    public byte[] receive(Duration timeout) throws IOException {
        Libc.call("setsockopt(SO_RCVTIMEO)", (state, arena) -> {
            MemorySegment tv = arena.allocate(16, 8);
            long millis = Math.max(1, timeout.toMillis());
            tv.set(JAVA_LONG, 0, millis / 1000);
            tv.set(JAVA_LONG, 8, (millis % 1000) * 1000);
            return (int) SETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
        });
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            int n = Libc.call("recv", (state, a) -> (int) (long) RECV.invokeExact(state, fd, buf, 4096L, 0));
            return buf.asSlice(0, n).toArray(JAVA_BYTE);
        } catch (NativeIOException e) {
            if (e.errno() == Errno.EAGAIN) return null;
            throw e;
        }
    }

    private static void checkPath(String path) throws IOException {
        int length = path.getBytes(StandardCharsets.UTF_8).length;
        if (length == 0 || length >= SUN_PATH_BYTES) throw new IOException("unix socket path of " + length + " bytes: " + path);
    }

    private static MemorySegment sockaddr(Arena arena, String path) {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = name[0] == '@';
        if (abstractName) name[0] = 0;
        // abstract names are exactly their bytes; paths get their NUL
        MemorySegment sa = arena.allocate(2 + name.length + (abstractName ? 0 : 1), 2);
        sa.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(name, 0, sa, JAVA_BYTE, 2, name.length);
        return sa;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Libc.closeQuietly(fd);
    }
}
