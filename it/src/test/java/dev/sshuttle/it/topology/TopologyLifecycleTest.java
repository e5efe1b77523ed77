package dev.sshuttle.it.topology;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.sys.Cmd;
import dev.sshuttle.testkit.Prerequisites;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Teardown and reaping: nothing of a run survives it, nothing of a killed run survives the next. */
class TopologyLifecycleTest {
    @BeforeEach
    void needsRoot() {
        Prerequisites.requireRootAndTools(Topology.TOOLS);
    }

    @Test
    void closeRemovesNamespacesProcessesAndTempFiles() {
        Topology t = Topology.start();
        long sshdPid = t.ssh().pid();
        Path dir = t.workDir();
        String prefix = t.prefix();
        t.close();
        assertTrue(NamespaceReaper.listPrefixed().stream().noneMatch(n -> n.startsWith(prefix)),
                "namespaces of " + prefix + " survived close(): " + NamespaceReaper.listPrefixed());
        assertFalse(ProcessHandle.of(sshdPid).map(ProcessHandle::isAlive).orElse(false), "sshd " + sshdPid + " survived close()");
        assertFalse(Files.exists(dir), dir + " survived close()");
        assertFalse(Files.exists(Path.of("/etc/netns", prefix + "client")), "/etc/netns config survived close()");
    }

    @Test
    void withoutClientRouteTheTargetIsUnreachableAtOnce() {
        try (Topology t = Topology.start(Topology.ClientRoute.NONE)) {
            SocketException e = assertThrows(SocketException.class,
                    () -> t.client().connect(t.echo(), Duration.ofSeconds(2)).close());
            assertTrue(e.getMessage().contains("unreachable") || e instanceof ConnectException, e.toString());
        }
    }

    @Test
    void reaperRemovesAKilledRunAndItsProcessesButNotALiveRun() throws IOException {
        String deadId = "zz" + Long.toString(System.nanoTime() % 10_000, 36);
        String stale = NamespaceReaper.PREFIX + deadId + "-client";
        Path lockFile = RunLock.DIR.resolve(deadId + ".lock");
        try (Topology live = Topology.start()) {
            // a killed run: its lock file exists but nobody holds the lock, a process is still inside
            Files.createDirectories(RunLock.DIR);
            Files.writeString(lockFile, "1\n");
            Cmd.run(Duration.ofSeconds(10), "ip", "netns", "add", stale).orThrow();
            Process orphan = Netns.named(stale).command("sleep", "120").start();
            try {
                List<String> reaped = NamespaceReaper.reapStale();
                assertTrue(reaped.contains(stale), "stale namespace not reaped: " + reaped);
                assertTrue(reaped.stream().noneMatch(n -> n.startsWith(live.prefix())), "live run reaped: " + reaped);
                assertFalse(NamespaceReaper.listPrefixed().contains(stale));
                assertTrue(NamespaceReaper.listPrefixed().contains(live.client().name()));
                assertTrue(orphan.onExit().orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join() != null);
                assertFalse(orphan.isAlive(), "process inside the stale namespace survived");
                assertFalse(Files.exists(lockFile), "stale lock file left behind");
            } finally {
                orphan.destroyForcibly();
                Cmd.run(Duration.ofSeconds(10), "ip", "netns", "del", stale);
                Files.deleteIfExists(lockFile);
            }
        }
    }
}
