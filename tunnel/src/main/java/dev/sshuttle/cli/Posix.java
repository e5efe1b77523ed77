package dev.sshuttle.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** The few libc calls daemonizing needs and the JDK lacks (setsid, dup2, open, close). */
final class Posix {
    private Posix() {}

    static final int O_WRONLY = 0x1;
    static final int O_CREAT = 0x40;
    static final int O_APPEND = 0x400;
    /** Linux's value differs by architecture: arm and aarch64 have their own. */
    static final int O_NOFOLLOW = isArm() ? 0x8000 : 0x20000;
    static final int O_CLOEXEC = 0x80000;

    private static boolean isArm() {
        String arch = System.getProperty("os.arch", "");
        return arch.equals("aarch64") || arch.startsWith("arm");
    }

    private static final Linker LINKER = Linker.nativeLinker();

    private static MethodHandle function(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsupportedOperationException("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    private static final class Handles {
        static final MethodHandle SETSID = function("setsid", FunctionDescriptor.of(ValueLayout.JAVA_INT));
        static final MethodHandle DUP2 = function("dup2",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        static final MethodHandle CLOSE = function("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        static final MethodHandle OPEN = function("open",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(2));
    }

    /** New session and process group; returns the session id or -1. */
    static int setsid() {
        try {
            return (int) Handles.SETSID.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("setsid failed", t);
        }
    }

    static int dup2(int from, int to) {
        try {
            return (int) Handles.DUP2.invokeExact(from, to);
        } catch (Throwable t) {
            throw new IllegalStateException("dup2 failed", t);
        }
    }

    static int close(int fd) {
        try {
            return (int) Handles.CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close failed", t);
        }
    }

    static int open(String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) Handles.OPEN.invokeExact(arena.allocateFrom(path), flags, mode);
        } catch (Throwable t) {
            throw new IllegalStateException("open failed", t);
        }
    }
}
