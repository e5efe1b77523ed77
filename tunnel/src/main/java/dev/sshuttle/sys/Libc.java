package dev.sshuttle.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The product's one binding of libc: the few calls the JDK does not offer, as FFM downcalls that
 * capture errno. Every call returns normally only on success; a -1 return becomes a
 * {@link NativeIOException} naming the call, so no caller has to read errno itself. The public
 * calls serve the daemon code in {@code cli} and the test topology in the it module (setns);
 * everything else stays inside {@code sys}, behind classes named for their job.
 */
@SuppressWarnings("restricted") // the whole point of this class; native access is enabled in the manifest
public final class Libc {
    static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle GETSOCKOPT = downcall("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETNS = downcall("setns",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSID = downcall("setsid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle DUP2 = downcall("dup2",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    // fcntl(2) is variadic: its third argument is the first variadic one
    private static final MethodHandle FCNTL = LINKER.downcallHandle(
            LINKER.defaultLookup().find("fcntl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    // open(2) is variadic: the mode argument is the first variadic one
    private static final MethodHandle OPEN = LINKER.downcallHandle(
            LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));

    public static final int O_WRONLY = 0x1;
    public static final int O_CREAT = 0x40;
    public static final int O_APPEND = 0x400;
    /** Linux's value differs by architecture: arm and aarch64 have their own. */
    public static final int O_NOFOLLOW = isArm() ? 0x8000 : 0x20000;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_RDONLY_CLOEXEC = O_CLOEXEC; // O_RDONLY is 0
    /** setns(2)'s nstype for a network namespace. */
    public static final int CLONE_NEWNET = 0x40000000;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int O_NONBLOCK = 0x800;
    static final int F_SETPIPE_SZ = 1031;

    private Libc() {}

    private static boolean isArm() {
        String arch = System.getProperty("os.arch", "");
        return arch.equals("aarch64") || arch.startsWith("arm");
    }

    static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO);
    }

    /** getsockopt(fd, level, name, value, length): fills value, updates length. */
    static void getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment length, String what)
            throws NativeIOException {
        call(what, (state, arena) -> (int) GETSOCKOPT.invokeExact(state, fd, level, name, value, length));
    }

    /** setsockopt(fd, level, name, &intValue, 4). */
    static void setsockoptInt(int fd, int level, int name, int value, String what) throws NativeIOException {
        call(what, (state, arena) -> {
            MemorySegment v = arena.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            return (int) SETSOCKOPT.invokeExact(state, fd, level, name, v, (int) JAVA_INT.byteSize());
        });
    }

    /** open(path, flags, 0): the new fd. */
    public static int open(String path, int flags) throws NativeIOException {
        return open(path, flags, 0);
    }

    /** open(path, flags, mode): the new fd; {@code mode} applies when O_CREAT creates the file. */
    public static int open(String path, int flags, int mode) throws NativeIOException {
        return call("open(" + path + ")",
                (state, arena) -> (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags, mode));
    }

    /**
     * setns(fd, nstype): moves the calling OS thread (only that one) into the namespace; see
     * the it module's topology for how tests keep such a thread to themselves.
     */
    public static void setns(int fd, int nsType, String what) throws NativeIOException {
        call(what, (state, arena) -> (int) SETNS.invokeExact(state, fd, nsType));
    }

    /** setsid(): a new session and process group, away from the terminal's. */
    public static void setsid() throws NativeIOException {
        call("setsid", (state, arena) -> (int) SETSID.invokeExact(state));
    }

    /** dup2(from, to): {@code to} now refers to what {@code from} refers to. */
    public static void dup2(int from, int to, String what) throws NativeIOException {
        call(what, (state, arena) -> (int) DUP2.invokeExact(state, from, to));
    }

    /** fcntl(fd, cmd, arg): its result. */
    static int fcntl(int fd, int cmd, int arg, String what) throws NativeIOException {
        return call(what, (state, arena) -> (int) FCNTL.invokeExact(state, fd, cmd, arg));
    }

    /** close(fd), ignoring errors: only used for fds we opened ourselves. */
    public static void closeQuietly(int fd) {
        try {
            call("close", (state, arena) -> (int) CLOSE.invokeExact(state, fd));
        } catch (NativeIOException e) {
            // nothing useful to do: the fd was ours and is gone either way
        }
    }

    /** One downcall that takes the errno capture segment first and returns -1 on failure. */
    interface Downcall {
        int invoke(MemorySegment callState, Arena arena) throws Throwable;
    }

    static int call(String what, Downcall downcall) throws NativeIOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc;
            try {
                rc = downcall.invoke(state, arena);
            } catch (Throwable t) {
                // only a linkage or argument bug lands here, never a failing syscall
                throw new IllegalStateException("native call " + what, t);
            }
            if (rc == -1) {
                throw new NativeIOException(what, (int) ERRNO.get(state, 0L));
            }
            return rc;
        }
    }
}
