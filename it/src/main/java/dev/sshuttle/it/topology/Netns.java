package dev.sshuttle.it.topology;

import dev.sshuttle.it.sys.Cmd;
import dev.sshuttle.it.sys.Setns;
import dev.sshuttle.it.sys.SocketHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One named network namespace (/run/netns/NAME). Two ways in:
 * <ul>
 *   <li>processes: {@link #command}/{@link #run} prefix argv with {@code ip netns exec NAME};</li>
 *   <li>JVM sockets: {@link #call}, {@link #connect}, {@link #listen}... run on a fresh platform
 *       thread that first setns(2)s into the namespace; the sockets it creates stay there.</li>
 * </ul>
 */
public final class Netns implements SocketHome {
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private final String name;

    Netns(String name) {
        this.name = name;
    }

    /** Binds an existing namespace by name (it must exist under /run/netns). */
    public static Netns named(String name) {
        return new Netns(name);
    }

    public String name() {
        return name;
    }

    public Path path() {
        return Path.of("/run/netns", name);
    }

    /** /etc/netns/NAME: files here replace /etc's for processes under {@code ip netns exec NAME}. */
    static Path etcDir(String name) {
        return Path.of("/etc/netns", name);
    }

    /** Writes /etc/netns/NAME/file, which `ip netns exec` bind-mounts over /etc/file. */
    public void writeEtcFile(String file, String content) {
        try {
            Files.createDirectories(etcDir(name));
            Files.writeString(etcDir(name).resolve(file), content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + etcDir(name).resolve(file) + ": " + e.getMessage(), e);
        }
    }

    /** argv prefixed with {@code ip netns exec NAME}, ready for ProcessBuilder. */
    public List<String> argv(List<String> argv) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", name));
        all.addAll(argv);
        return all;
    }

    /** A ProcessBuilder that runs argv inside this namespace. */
    public ProcessBuilder command(String... argv) {
        return new ProcessBuilder(argv(List.of(argv)));
    }

    /** Starts a long-running argv inside this namespace, output to log; close() it when done. */
    public BackgroundProcess start(Path log, String... argv) {
        return BackgroundProcess.start(this, log, List.of(argv));
    }

    /** Runs argv inside this namespace, waiting at most 30 s. */
    public Cmd.Result run(String... argv) {
        return Cmd.run(COMMAND_TIMEOUT, argv(List.of(argv)));
    }

    public Cmd.Result run(Duration timeout, String... argv) {
        return Cmd.run(timeout, argv(List.of(argv)));
    }

    /** Runs argv inside this namespace and throws with its stderr when it fails. */
    public Cmd.Result runOrThrow(String... argv) {
        return run(argv).orThrow();
    }

    /**
     * Runs code on a new platform thread that has entered this namespace, and returns its
     * result. Exceptions are rethrown unchanged (checked ones wrapped in UncheckedIOException /
     * IllegalStateException).
     */
    @Override
    public <T> T call(NsCallable<T> code) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofPlatform().name("netns-" + name).daemon().start(() -> {
            try {
                Setns.enterNetworkNamespace(path());
                result.complete(code.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while working in netns " + name, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error err) throw err;
            if (cause instanceof IOException io) throw new UncheckedIOException(io.getMessage() + " (in netns " + name + ")", io);
            throw new IllegalStateException(cause.getMessage() + " (in netns " + name + ")", cause);
        }
    }

    /** A TCP connection opened from inside this namespace (blocking java.net.Socket). */
    public Socket connect(InetSocketAddress to, Duration timeout) throws IOException {
        return callIo(() -> {
            Socket s = new Socket();
            try {
                s.connect(to, Math.toIntExact(timeout.toMillis()));
                return s;
            } catch (IOException e) {
                s.close();
                throw e;
            }
        });
    }

    /** A listening TCP socket bound inside this namespace (port 0 = ephemeral). */
    public ServerSocket listen(InetSocketAddress at) throws IOException {
        return callIo(() -> {
            ServerSocket ss = new ServerSocket();
            ss.setReuseAddress(true);
            ss.bind(at, 512);
            return ss;
        });
    }

    /** An unconnected blocking SocketChannel whose socket lives in this namespace. */
    public SocketChannel openSocketChannel() throws IOException {
        return callIo(SocketChannel::open);
    }

    /** An unbound ServerSocketChannel whose socket lives in this namespace. */
    public ServerSocketChannel openServerSocketChannel() throws IOException {
        return callIo(ServerSocketChannel::open);
    }

    /** A UDP socket bound inside this namespace (port 0 = ephemeral). */
    public DatagramSocket udp(InetSocketAddress at) throws IOException {
        return callIo(() -> new DatagramSocket(at));
    }

    /** As {@link #call}, but an IOException reaches the caller as itself (ConnectException stays one). */
    private <T> T callIo(NsCallable<T> code) throws IOException {
        try {
            return call(code);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Platform threads that enter this namespace before running their task: give one to an
     * executor to drive many connections from inside the namespace without a thread per socket.
     */
    public ThreadFactory threadFactory() {
        AtomicInteger n = new AtomicInteger();
        return task -> Thread.ofPlatform().name("netns-" + name + "-" + n.incrementAndGet()).daemon().unstarted(() -> {
            Setns.enterNetworkNamespace(path());
            task.run();
        });
    }

    /** PIDs of every process whose network namespace is this one ({@code ip netns pids}). */
    public List<Long> pids() {
        Cmd.Result r = Cmd.run(COMMAND_TIMEOUT, "ip", "netns", "pids", name);
        if (!r.ok()) return List.of();
        return r.stdout().lines().map(String::strip).filter(s -> !s.isEmpty()).map(Long::parseLong).toList();
    }

    @Override
    public String toString() {
        return name;
    }
}
