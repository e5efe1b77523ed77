package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.gates.FirewallRules;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** Starts the real client (java -jar sshuttle.jar) inside the client namespace, as a user would. */
public final class Tunnels {
    public static final Duration CONNECT_WITHIN = Duration.ofSeconds(60);

    private Tunnels() {}

    static Path jar() {
        Path jar = Path.of(System.getProperty("sshuttle.jar", "../tunnel/target/sshuttle.jar")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) throw new IllegalStateException("no client jar at " + jar + ": build the tunnel module first");
        return jar;
    }

    /** The repository's top directory (where the ./sshuttle launcher is). */
    public static Path repositoryRoot() {
        return jar().getParent().getParent().getParent();
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * java, the client's JVM options as the launcher gives them (tunnel/jvm.options), then
     * jvmOptions, then -jar sshuttle.jar: the client JVM as users run it.
     */
    public static List<String> clientJvm(String... jvmOptions) {
        List<String> argv = new ArrayList<>(List.of(java(), "@" + jvmOptionsFile()));
        argv.addAll(Arrays.asList(jvmOptions));
        argv.addAll(List.of("-jar", jar().toString()));
        return argv;
    }

    private static Path jvmOptionsFile() {
        Path file = Path.of(System.getProperty("sshuttle.jvm.options", "../tunnel/jvm.options")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) throw new IllegalStateException("no client JVM options at " + file);
        return file;
    }

    /** The client with -e/-r for the topology's sshd, plus the given arguments; not yet awaited. */
    static BackgroundProcess start(Topology t, String name, String... args) {
        return startVia(t, name, t.ssh().sshCommand(), t.ssh().destination(), args);
    }

    /** The client with the given -e/-r (e.g. to a fault proxy in front of sshd), plus the given arguments. */
    public static BackgroundProcess startVia(Topology t, String name, String sshCommand, String destination, String... args) {
        List<String> argv = clientJvm();
        argv.addAll(List.of("-e", sshCommand, "-r", destination));
        argv.addAll(Arrays.asList(args));
        return t.client().start(t.workDir().resolve(name + ".log"), argv.toArray(String[]::new));
    }

    /** SIGTERM: the client must exit 0 within `within` and leave no firewall rule; returns the seconds it took. */
    static double stopCleanly(Topology t, BackgroundProcess client, Duration within, String what) {
        long t0 = System.nanoTime();
        int code = client.terminate(within);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, code, what + " must end the client with exit 0; log:\n" + client.tail());
        FirewallRules.assertNoneLeft(t.client(), what);
        return seconds;
    }

    /** Starts the client and waits for "Connected to server." (fails with the log's tail). */
    static BackgroundProcess connected(Topology t, String name, String... args) {
        BackgroundProcess p = start(t, name, args);
        p.awaitLog("Connected to server", CONNECT_WITHIN);
        return p;
    }

    /**
     * As {@link #connected}, with ssh going to 127.0.0.1:sshPort in the client namespace (a
     * fault proxy in front of the gateway's sshd) instead of to the gateway itself.
     */
    public static BackgroundProcess connectedVia(Topology t, int sshPort, String name, String... args) {
        BackgroundProcess p = startVia(t, name, t.ssh().sshCommand(sshPort), "root@127.0.0.1", args);
        p.awaitLog("Connected to server", CONNECT_WITHIN);
        return p;
    }

    /** An HTTP GET to the target's web server from the client namespace answers (through the tunnel); returns the reply. */
    public static String assertHttpThroughTunnel(Topology t) throws IOException {
        try (Socket s = t.client().connect(t.http(), Duration.ofSeconds(10))) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.0\r\nHost: target\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(reply.startsWith("HTTP/1."), "an HTTP answer through the tunnel, got: " + reply);
            return reply;
        }
    }

    /** The gateway's sshd runs as root on this machine: removes the Java agent's jar cache a test created there. */
    public static void removeUploadedJavaAgent() throws IOException {
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "sshuttle-java");
        if (!Files.isDirectory(cache)) return;
        try (Stream<Path> files = Files.list(cache)) {
            for (Path f : files.toList()) Files.deleteIfExists(f);
        }
        Files.deleteIfExists(cache);
    }
}
