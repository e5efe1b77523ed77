package dev.sshuttle.it.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sshuttle.it.sys.Cmd;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import dev.sshuttle.it.tunnel.Tunnels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The release as a user gets it (issue 8): target/dist's .deb and tarball, made by
 * {@code ./mvnw -Pdist package}, run where no JDK is visible (a private mount namespace with
 * tmpfs over /usr/lib/jvm, and over /opt for the .deb's tree) and carry a tunnel through the
 * test topology. Under -Pdist a missing release fails the test; otherwise it is skipped.
 */
@ExtendWith(TopologyExtension.class)
class ReleaseInstallTest {
    static final Duration IO = Duration.ofSeconds(60);
    /** The shell that hides every JDK, then runs "$@" with a plain environment. */
    static final String NO_JDK = String.join("\n",
            "set -e",
            "mount -t tmpfs -o size=1m none /usr/lib/jvm",
            "if [ -n \"$OPT_TREE\" ]; then mount -t tmpfs -o size=1m none /opt; mkdir /opt/sshuttle-java;"
                    + " mount --bind \"$OPT_TREE\" /opt/sshuttle-java; fi",
            "if command -v java >/dev/null 2>&1 && java -version >/dev/null 2>&1; then echo 'a JDK is still visible' >&2; exit 3; fi",
            "exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=\"$HOME\""
                    + " ${SSHUTTLE_JAVA_OPTS:+SSHUTTLE_JAVA_OPTS=\"$SSHUTTLE_JAVA_OPTS\"} \"$@\"");

    @Test
    void theDebInstalledUnderOptRunsATunnelWithoutAJdk(Topology t) throws Exception {
        Path deb = release("sshuttle-java_", "_amd64.deb");
        String listing = Cmd.run(IO, "dpkg-deb", "-c", deb.toString()).orThrow().stdout();
        for (String path : List.of("./opt/sshuttle-java/bin/sshuttle", "./opt/sshuttle-java/runtime/bin/java",
                "./opt/sshuttle-java/lib/sshuttle.jar", "./opt/sshuttle-java/lib/sshuttle.aot",
                "./usr/bin/sshuttle-java -> /opt/sshuttle-java/bin/sshuttle", "./usr/share/man/man1/sshuttle-java.1.gz",
                "./usr/share/bash-completion/completions/sshuttle-java", "sshuttle-java@.service")) {
            assertTrue(listing.contains(path), "the .deb has " + path + ":\n" + listing);
        }
        Path root = t.workDir().resolve("deb-root");
        Cmd.run(IO, "dpkg-deb", "-x", deb.toString(), root.toString()).orThrow();
        Path opt = root.resolve("opt/sshuttle-java");
        Path command = root.resolve("usr/bin/sshuttle-java"); // the link to /opt, where the tree is mounted
        assertAotCacheUsed(t, opt, command);
        tunnel(t, opt, command, "python");
    }

    @Test
    void theTarballUnpackedAnywhereRunsATunnelWithoutAJdk(Topology t) throws Exception {
        Path tarball = release("sshuttle-java-", "-linux-x64.tar.gz");
        Path dir = t.workDir().resolve("unpacked");
        Files.createDirectories(dir);
        Cmd.run(IO, "tar", "-xzf", tarball.toString(), "-C", dir.toString()).orThrow();
        Path home;
        try (Stream<Path> s = Files.list(dir)) {
            home = s.filter(p -> p.getFileName().toString().startsWith("sshuttle-java-")).findFirst().orElseThrow();
        }
        Path command = home.resolve("bin/sshuttle");
        assertAotCacheUsed(t, null, command);
        tunnel(t, null, command, "java");
    }

    /** The client's classes come from the release's AOT cache (the JVM logs each class's source). */
    private static void assertAotCacheUsed(Topology t, Path optTree, Path command) {
        Cmd.Result r = t.client().run(noJdk(optTree, "-Xlog:class+load=info", command.toString(), "--version")
                .toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().lines().anyMatch(l -> l.contains("dev.sshuttle.cli.Main source: shared objects file")),
                "dev.sshuttle.cli.Main should come from the AOT cache:\n" + r.stdout().lines().filter(l -> l.contains("dev.sshuttle"))
                        .limit(5).toList() + r.stderr());
    }

    private static void tunnel(Topology t, Path optTree, Path command, String agent) throws IOException {
        List<String> argv = noJdk(optTree, "", command.toString(), "-v", "-e", t.ssh().sshCommand(), "-r",
                t.ssh().destination(), "--agent", agent, t.targetSubnet());
        try (BackgroundProcess client = t.client().start(t.workDir().resolve("release-" + agent + ".log"), argv.toArray(String[]::new))) {
            client.awaitLog("Connected to server", Tunnels.CONNECT_WITHIN);
            Tunnels.assertHttpThroughTunnel(t);
            assertEquals(0, client.terminate(Duration.ofSeconds(15)), client.tail());
        } finally {
            Tunnels.removeUploadedJavaAgent();
        }
    }

    /** argv: a private mount namespace without any JDK (and with optTree on /opt/sshuttle-java), then command. */
    private static List<String> noJdk(Path optTree, String javaOpts, String... command) {
        List<String> argv = new ArrayList<>(List.of("env", "OPT_TREE=" + (optTree == null ? "" : optTree.toString()),
                "SSHUTTLE_JAVA_OPTS=" + javaOpts, "unshare", "--mount", "--propagation", "private", "sh", "-c", NO_JDK, "sh"));
        argv.addAll(List.of(command));
        return argv;
    }

    private static Path release(String prefix, String suffix) throws IOException {
        Path dist = Tunnels.repositoryRoot().resolve("target/dist");
        Path found = null;
        if (Files.isDirectory(dist)) {
            try (Stream<Path> s = Files.list(dist)) {
                found = s.filter(p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(suffix))
                        .findFirst().orElse(null);
            }
        }
        if (Boolean.getBoolean("release.required")) {
            assertTrue(found != null, "no " + prefix + "*" + suffix + " in " + dist + ": ./mvnw -Pdist package makes it");
        } else {
            assumeTrue(found != null, "no release in " + dist + " (./mvnw -Pdist package makes one)");
        }
        return found;
    }
}
