package dev.sshuttle.it.tunnel;

import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Starts the real client (java -jar sshuttle.jar) inside the client namespace, as a user would. */
final class Tunnels {
    static final Duration CONNECT_WITHIN = Duration.ofSeconds(60);

    private Tunnels() {}

    static Path jar() {
        Path jar = Path.of(System.getProperty("sshuttle.jar", "../tunnel/target/sshuttle.jar")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) throw new IllegalStateException("no client jar at " + jar + ": build the tunnel module first");
        return jar;
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The client with -e/-r for the topology's sshd, plus the given arguments; not yet awaited. */
    static BackgroundProcess start(Topology t, String name, String... args) {
        List<String> argv = new ArrayList<>(List.of(java(), "-jar", jar().toString(),
                "-e", t.ssh().sshCommand(), "-r", t.ssh().destination()));
        argv.addAll(Arrays.asList(args));
        return t.client().start(t.workDir().resolve(name + ".log"), argv.toArray(String[]::new));
    }

    /** Starts the client and waits for "Connected to server." (fails with the log's tail). */
    static BackgroundProcess connected(Topology t, String name, String... args) {
        BackgroundProcess p = start(t, name, args);
        p.awaitLog("Connected to server", CONNECT_WITHIN);
        return p;
    }
}
