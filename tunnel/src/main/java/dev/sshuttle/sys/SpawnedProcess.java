package dev.sshuttle.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A child process whose stdin and stdout are pipes that this process keeps as JDK channels, so
 * they can sit non-blocking in the same selector as every socket: {@link ProcessBuilder} only
 * hands out blocking streams, which cost a reader and a writer thread and a hand-off per chunk.
 * Started with posix_spawn(3) through FFM; stderr is inherited; every other descriptor is closed
 * in the child (closefrom), signals are reset to their defaults and unblocked, as ProcessBuilder
 * does. A daemon thread reaps the child and records its exit code (128 + signal when killed, as
 * {@link Process#exitValue()}).
 */
@SuppressWarnings("restricted") // FFM downcalls; native access is enabled in the manifest
public final class SpawnedProcess {
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    /** What the kernel lets an unprivileged user grow a pipe to by default (fs.pipe-max-size). */
    static final int PIPE_BYTES = 1 << 20;

    // glibc's opaque types, over-allocated: their real sizes are 80 and 336 bytes on x86_64
    private static final long FILE_ACTIONS_BYTES = 1024;
    private static final long ATTR_BYTES = 1024;
    private static final long SIGSET_BYTES = 128;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final int[] SIGNALS_TO_DEFAULT = {1, 2, 3, 10, 12, 13, 14, 15, 17, 25}; // HUP INT QUIT USR1 USR2 PIPE ALRM TERM CHLD XFSZ

    private static final MethodHandle FA_INIT = plain("posix_spawn_file_actions_init", ADDRESS);
    private static final MethodHandle FA_DESTROY = plain("posix_spawn_file_actions_destroy", ADDRESS);
    private static final MethodHandle FA_ADDDUP2 = plain("posix_spawn_file_actions_adddup2", ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle FA_ADDCLOSEFROM = optional("posix_spawn_file_actions_addclosefrom_np", ADDRESS, JAVA_INT);
    private static final MethodHandle ATTR_INIT = plain("posix_spawnattr_init", ADDRESS);
    private static final MethodHandle ATTR_DESTROY = plain("posix_spawnattr_destroy", ADDRESS);
    private static final MethodHandle ATTR_SETFLAGS = plain("posix_spawnattr_setflags", ADDRESS, JAVA_SHORT);
    private static final MethodHandle ATTR_SETSIGMASK = plain("posix_spawnattr_setsigmask", ADDRESS, ADDRESS);
    private static final MethodHandle ATTR_SETSIGDEFAULT = plain("posix_spawnattr_setsigdefault", ADDRESS, ADDRESS);
    private static final MethodHandle SIGEMPTYSET = plain("sigemptyset", ADDRESS);
    private static final MethodHandle SIGADDSET = plain("sigaddset", ADDRESS, JAVA_INT);
    private static final MethodHandle SPAWNP = plain("posix_spawnp", ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
    private static final MethodHandle WAITPID = Libc.downcall("waitpid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle KILL = Libc.downcall("kill",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle STRERROR = Libc.LINKER.downcallHandle(
            Libc.LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final int EINTR = 4;
    private static final int F_SETFD = 2;
    private static final int FD_CLOEXEC = 1;

    private final int pid;
    private final Pipe.SinkChannel stdin;
    private final Pipe.SourceChannel stdout;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    private SpawnedProcess(int pid, Pipe.SinkChannel stdin, Pipe.SourceChannel stdout) {
        this.pid = pid;
        this.stdin = stdin;
        this.stdout = stdout;
        Thread.ofPlatform().daemon(true).name("reap-" + pid).start(this::reap);
    }

    /** Starts argv[0] (searched on the PATH) with this process's environment. */
    public static SpawnedProcess start(List<String> argv) throws IOException {
        return start(argv, Map.of());
    }

    /** As {@link #start(List)}, with {@code extraEnv} added to (or replacing in) this process's environment. */
    public static SpawnedProcess start(List<String> argv, Map<String, String> extraEnv) throws IOException {
        if (argv.isEmpty()) throw new IllegalArgumentException("no program");
        Pipe toChild = Pipe.open();
        Pipe fromChild = Pipe.open();
        try {
            int childIn = ChannelFd.of(toChild.source());
            int childOut = ChannelFd.of(fromChild.sink());
            for (int fd : new int[] {childIn, childOut}) setBlocking(fd);
            growPipe(childIn);
            growPipe(childOut);
            Map<String, String> env = System.getenv();
            if (!extraEnv.isEmpty()) {
                env = new java.util.HashMap<>(env);
                env.putAll(extraEnv);
            }
            int pid = spawn(argv, env, childIn, childOut);
            toChild.source().close();
            fromChild.sink().close();
            return new SpawnedProcess(pid, toChild.sink(), fromChild.source());
        } catch (IOException | RuntimeException e) {
            closeQuietly(toChild.source(), toChild.sink(), fromChild.source(), fromChild.sink());
            throw e;
        }
    }

    /** Our end of the child's stdin. */
    public Pipe.SinkChannel stdin() {
        return stdin;
    }

    /** Our end of the child's stdout. */
    public Pipe.SourceChannel stdout() {
        return stdout;
    }

    public long pid() {
        return pid;
    }

    public boolean isAlive() {
        return !exit.isDone();
    }

    /** The exit code once the child has ended within {@code timeout}, else -1. */
    public int waitFor(Duration timeout) {
        try {
            return exit.get(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (ExecutionException e) {
            return -1;
        }
    }

    /** Sends a signal while the child has not been reaped (so never to a recycled pid). */
    public void signal(int signal) {
        if (exit.isDone()) return;
        try {
            Libc.call("kill(" + pid + ", " + signal + ")", (state, arena) -> (int) KILL.invokeExact(state, pid, signal));
        } catch (NativeIOException e) {
            // already gone (ESRCH): the reaper is about to record it
        }
    }

    private void reap() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(JAVA_INT);
            while (true) {
                try {
                    Libc.call("waitpid(" + pid + ")", (state, a) -> (int) WAITPID.invokeExact(state, pid, status, 0));
                    int s = status.get(JAVA_INT, 0);
                    int signal = s & 0x7f;
                    exit.complete(signal == 0 ? (s >> 8) & 0xff : 0x80 + signal);
                    return;
                } catch (NativeIOException e) {
                    if (e.errno() == EINTR) continue;
                    exit.completeExceptionally(e);
                    return;
                }
            }
        }
    }

    private static int spawn(List<String> argv, Map<String, String> env, int childIn, int childOut) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment actions = arena.allocate(FILE_ACTIONS_BYTES, 16);
            MemorySegment attr = arena.allocate(ATTR_BYTES, 16);
            MemorySegment noSignals = arena.allocate(SIGSET_BYTES, 8);
            MemorySegment defaults = arena.allocate(SIGSET_BYTES, 8);
            check("posix_spawn_file_actions_init", (int) FA_INIT.invokeExact(actions));
            try {
                check("posix_spawn_file_actions_adddup2", (int) FA_ADDDUP2.invokeExact(actions, childIn, 0));
                check("posix_spawn_file_actions_adddup2", (int) FA_ADDDUP2.invokeExact(actions, childOut, 1));
                if (FA_ADDCLOSEFROM != null) {
                    check("posix_spawn_file_actions_addclosefrom_np", (int) FA_ADDCLOSEFROM.invokeExact(actions, 3));
                } else {
                    closeOnExecEverything();
                }
                check("posix_spawnattr_init", (int) ATTR_INIT.invokeExact(attr));
                try {
                    check("sigemptyset", (int) SIGEMPTYSET.invokeExact(noSignals));
                    check("sigemptyset", (int) SIGEMPTYSET.invokeExact(defaults));
                    for (int sig : SIGNALS_TO_DEFAULT) check("sigaddset", (int) SIGADDSET.invokeExact(defaults, sig));
                    check("posix_spawnattr_setsigmask", (int) ATTR_SETSIGMASK.invokeExact(attr, noSignals));
                    check("posix_spawnattr_setsigdefault", (int) ATTR_SETSIGDEFAULT.invokeExact(attr, defaults));
                    check("posix_spawnattr_setflags", (int) ATTR_SETFLAGS.invokeExact(attr,
                            (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)));
                    MemorySegment pid = arena.allocate(JAVA_INT);
                    MemorySegment file = arena.allocateFrom(argv.getFirst());
                    int rc = (int) SPAWNP.invokeExact(pid, file, actions, attr, strings(arena, argv),
                            strings(arena, env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
                    if (rc != 0) throw new IOException("cannot start " + argv.getFirst() + ": " + strerror(rc));
                    return pid.get(JAVA_INT, 0);
                } finally {
                    int ignored = (int) ATTR_DESTROY.invokeExact(attr);
                }
            } finally {
                int ignored = (int) FA_DESTROY.invokeExact(actions);
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("posix_spawn linkage", t);
        }
    }

    /**
     * glibc before 2.34 has no closefrom action: mark every open descriptor close-on-exec
     * instead, or the child would hold our sockets open (a connection we close would stay open
     * in ssh). The two pipe ends survive: dup2 onto 0 and 1 clears the flag on the copies.
     */
    private static void closeOnExecEverything() throws IOException {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            for (var p : (Iterable<java.nio.file.Path>) fds::iterator) {
                int fd = Integer.parseInt(p.getFileName().toString());
                if (fd < 3) continue;
                try {
                    Libc.fcntl(fd, F_SETFD, FD_CLOEXEC, "fcntl(F_SETFD)");
                } catch (NativeIOException e) {
                    // the directory's own descriptor, closed by now
                }
            }
        }
    }

    /** A NULL-terminated array of C strings. */
    private static MemorySegment strings(Arena arena, List<String> values) {
        MemorySegment array = arena.allocate(ADDRESS, values.size() + 1L);
        for (int i = 0; i < values.size(); i++) array.setAtIndex(ADDRESS, i, arena.allocateFrom(values.get(i)));
        array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    private static void check(String call, int rc) throws IOException {
        if (rc != 0) throw new NativeIOException(call, rc);
    }

    /** The C library's text for an errno ("No such file or directory"). */
    static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return Errno.describe(errno);
        }
    }

    private static void setBlocking(int fd) throws NativeIOException {
        int flags = Libc.fcntl(fd, Libc.F_GETFL, 0, "fcntl(F_GETFL)");
        if ((flags & Libc.O_NONBLOCK) != 0) Libc.fcntl(fd, Libc.F_SETFL, flags & ~Libc.O_NONBLOCK, "fcntl(F_SETFL)");
    }

    /**
     * Grows a pipe to 1 MiB, best effort: fewer, larger writes and reads per megabyte. The
     * bytes queued inside are bounded by the mux's in-flight limit, not by the pipe's size.
     */
    public static void growPipe(int fd) {
        try {
            Libc.fcntl(fd, Libc.F_SETPIPE_SZ, PIPE_BYTES, "fcntl(F_SETPIPE_SZ)");
        } catch (NativeIOException e) {
            // EPERM past fs.pipe-max-size, or not a pipe: the default size works too
        }
    }

    private static void closeQuietly(java.nio.channels.Channel... channels) {
        for (var c : channels) {
            try {
                c.close();
            } catch (IOException ignored) {
                // failing already
            }
        }
    }

    private static MethodHandle plain(String name, java.lang.foreign.MemoryLayout... args) {
        return Libc.LINKER.downcallHandle(Libc.LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)), FunctionDescriptor.of(JAVA_INT, args));
    }

    private static MethodHandle optional(String name, java.lang.foreign.MemoryLayout... args) {
        return Libc.LINKER.defaultLookup().find(name)
                .map(symbol -> Libc.LINKER.downcallHandle(symbol, FunctionDescriptor.of(JAVA_INT, args)))
                .orElse(null);
    }
}
