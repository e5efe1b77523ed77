package dev.sshuttle.it.topology;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.testkit.Prerequisites;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A run that dies still cleans up: SIGTERM through the shutdown hook, SIGKILL through the next reap. */
class KilledRunTest {
    private record Child(Process process, String prefix, long sshdPid) {}

    @BeforeEach
    void needsRoot() {
        Prerequisites.requireRootAndTools(Topology.TOOLS);
    }

    private static Child startHolder() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), TopologyHolder.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
        String line = out.readLine(); // blocks until the child built its topology (or died: null)
        if (line == null || !line.startsWith("PREFIX ")) {
            p.destroyForcibly();
            throw new IllegalStateException("topology holder did not start: " + line);
        }
        String[] f = line.split(" ");
        return new Child(p, f[1], Long.parseLong(f[3]));
    }

    private static List<String> namespacesOf(String prefix) {
        return NamespaceReaper.listPrefixed().stream().filter(n -> n.startsWith(prefix)).toList();
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void sigtermTearsDownThroughTheShutdownHook() throws Exception {
        Child c = startHolder();
        try {
            assertTrue(namespacesOf(c.prefix()).size() == 3, "holder's namespaces: " + namespacesOf(c.prefix()));
            c.process().destroy(); // SIGTERM
            assertTrue(c.process().waitFor(20, TimeUnit.SECONDS), "holder ignored SIGTERM");
            assertTrue(namespacesOf(c.prefix()).isEmpty(), "SIGTERM left " + namespacesOf(c.prefix()));
            assertFalse(alive(c.sshdPid()), "SIGTERM left sshd " + c.sshdPid());
        } finally {
            c.process().destroyForcibly();
        }
    }

    @Test
    void sigkillLeftoversAreReapedByTheNextRun() throws Exception {
        Child c = startHolder();
        try {
            c.process().destroyForcibly(); // SIGKILL: no hook runs
            assertTrue(c.process().waitFor(20, TimeUnit.SECONDS));
            assertTrue(namespacesOf(c.prefix()).size() == 3, "expected the killed run's namespaces to remain");
            assertTrue(alive(c.sshdPid()), "expected the killed run's sshd to remain");
            List<String> left = namespacesOf(c.prefix());
            List<String> reaped = NamespaceReaper.reapStale();
            assertTrue(reaped.containsAll(left), "reaped " + reaped + ", expected all of " + left);
            assertTrue(namespacesOf(c.prefix()).isEmpty(), "reaper left " + namespacesOf(c.prefix()) + " (reaped " + reaped + ")");
            assertFalse(alive(c.sshdPid()), "reaper left sshd " + c.sshdPid());
            try (var tmp = java.nio.file.Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
                assertTrue(tmp.noneMatch(d -> d.getFileName().toString().startsWith(c.prefix())), "reaper left the temp dir");
            }
        } finally {
            NamespaceReaper.reapStale();
        }
    }
}
