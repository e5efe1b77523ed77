package dev.sshuttle.cli;

import dev.sshuttle.exit.ExitCodes;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.config.HostResolver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs real daemon children (a second JVM running {@link DaemonTestMain}). */
class DaemonizerTest {

    @TempDir
    Path dir;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    Daemonizer daemonizer(Path pidfile) {
        return new Daemonizer(pidfile, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    static List<String> child(String mode) {
        return Daemonizer.selfCommand(DaemonTestMain.class.getName(), List.of(mode));
    }

    @Test
    void launcherReturnsOnceConnectedAndTheDaemonOwnsThePidfile() throws Exception {
        Path pidfile = dir.resolve("sshuttle.pid");
        Path log = dir.resolve("sshuttle.log");
        assertEquals(0, daemonizer(pidfile).launch(child("ready"), log));

        long pid = Daemonizer.readPid(pidfile);
        assertNotEquals(ProcessHandle.current().pid(), pid);
        ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
        try {
            assertTrue(daemon.isAlive());
            assertEquals("starting", out.toString(StandardCharsets.UTF_8).strip(),
                    "what the child printed before it was ready reaches the launcher's stdout");
            assertEquals(pid, sessionId(pid), "the daemon leads its own session");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(log)
                    && Files.readString(log).contains("logged after detach")
                    && Files.readString(log).contains("stdout after detach"));
        } finally {
            daemon.destroy(); // SIGTERM: a normal end
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> !daemon.isAlive());
        await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(pidfile));
    }

    @Test
    void aChildThatFailsBeforeConnectingPassesItsCodeAndLeavesNoPidfile() throws Exception {
        Path pidfile = dir.resolve("sshuttle.pid");
        Process finished = new ProcessBuilder("true").start();
        finished.waitFor();
        Files.writeString(pidfile, finished.pid() + "\n"); // stale: that process is gone

        assertEquals(3, daemonizer(pidfile).launch(child("fail"), null));
        assertFalse(Files.exists(pidfile));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("starting"));
    }

    @Test
    void aLivePidInThePidfileIsAConflict() throws IOException {
        Path pidfile = dir.resolve("sshuttle.pid");
        String mine = ProcessHandle.current().pid() + "\n";
        Files.writeString(pidfile, mine);
        var e = assertThrows(SshuttleException.class, () -> daemonizer(pidfile).launch(child("ready"), null));
        assertEquals(ExitCodes.PIDFILE_CONFLICT, e.exitCode());
        assertTrue(e.getMessage().contains("already running"), e.getMessage());
        assertEquals(mine, Files.readString(pidfile), "somebody else's pidfile stays");
    }

    @Test
    void garbageInThePidfileIsStale() throws Exception {
        Path pidfile = dir.resolve("sshuttle.pid");
        Files.writeString(pidfile, "not a pid\n");
        assertEquals(3, daemonizer(pidfile).launch(child("fail"), null));
        assertFalse(Files.exists(pidfile));
    }

    @Test
    void mainReportsAPidfileConflictAsExitFive() throws IOException {
        Path pidfile = dir.resolve("busy.pid");
        Files.writeString(pidfile, ProcessHandle.current().pid() + "\n");
        Runners runners = new Runners(o -> 0, a -> 0, a -> 0);
        Main main = new Main(runners, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of(), HostResolver.SYSTEM, dir);
        assertEquals(ExitCodes.PIDFILE_CONFLICT, main.run(new String[] {"-r", "h", "0/0", "-D", "--pidfile", "busy.pid"}));
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("sshuttle: " + pidfile), lines.get(0));
    }

    /** Field 6 of /proc/PID/stat. */
    private static long sessionId(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] afterName = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(afterName[3]);
    }
}
