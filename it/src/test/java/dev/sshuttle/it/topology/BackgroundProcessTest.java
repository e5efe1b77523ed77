package dev.sshuttle.it.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.opentest4j.AssertionFailedError;

/** Long-running processes in a namespace: readiness on the log, signals, and cleanup. */
@ExtendWith(TopologyExtension.class)
class BackgroundProcessTest {
    @Test
    void awaitsReadinessAndStopsOnTerm(Topology t) {
        try (BackgroundProcess p = t.client().start(t.workDir().resolve("bg.log"),
                "python3", "-u", "-c", "import time; print('ready', flush=True); time.sleep(60)")) {
            p.awaitLog("^ready", Duration.ofSeconds(10));
            assertTrue(t.client().pids().contains(p.pid()), "the process should run in the client namespace");
            assertEquals(143, p.terminate(Duration.ofSeconds(5)), "python exits 128+SIGTERM");
        }
    }

    @Test
    void failsFastWithTheLogWhenTheProcessDies(Topology t) {
        try (BackgroundProcess p = t.client().start(t.workDir().resolve("dies.log"),
                "sh", "-c", "echo boom-detail; exit 3")) {
            AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> p.awaitLog("never", Duration.ofSeconds(10)));
            assertTrue(e.getMessage().contains("exited with 3") && e.getMessage().contains("boom-detail"), e.getMessage());
        }
    }

    @Test
    void closeKillsTheWholeTree(Topology t) {
        BackgroundProcess p = t.client().start(t.workDir().resolve("tree.log"), "sh", "-c", "sleep 60 & sleep 60 & wait");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> p.process().descendants().count() == 2);
        var kids = p.process().descendants().toList();
        p.close();
        assertFalse(p.isAlive());
        assertTrue(kids.stream().noneMatch(ProcessHandle::isAlive), "children survived close()");
    }
}
