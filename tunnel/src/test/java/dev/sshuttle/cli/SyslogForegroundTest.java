package dev.sshuttle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.awaitility.Awaitility.await;

/**
 * --syslog without -D: the client's messages and ssh's own stderr go to logger (a recording
 * stand-in on the PATH, so the machine's syslog is never written), not to the terminal.
 */
class SyslogForegroundTest {
    @TempDir
    Path dir;

    @Test
    void ourMessagesAndSshsStderrGoToLogger() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path logged = dir.resolve("logged");
        ChildClient.script(bin.resolve("logger"), "printf '%s\\n' \"$*\" > " + logged + ".args\ncat >> " + logged + "\n");
        Path ssh = ChildClient.script(dir.resolve("fake-ssh"),
                "[ \"$1\" = -G ] && exit 1\necho 'fake-ssh: connection refused by the test' >&2\nexit 255\n");
        ChildClient.Result r = ChildClient.run(bin + ":/usr/bin:/bin", "--syslog", "-e", ssh.toString(), "-r", "gw.example",
                "10.0.0.0/8");
        assertEquals(255, r.code(), r.stderr());
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(logged)
                && Files.readString(logged).contains("remote exit code 255"));
        String log = Files.readString(logged);
        assertTrue(log.contains("fake-ssh: connection refused by the test"), "ssh's stderr in syslog: " + log);
        assertEquals("-t sshuttle -p daemon.notice", Files.readString(Path.of(logged + ".args")).strip());
        assertFalse(r.stderr().contains("remote exit code") || r.stderr().contains("fake-ssh"),
                "nothing of it on the terminal: " + r.stderr());
    }

    @Test
    void withoutSyslogTheTerminalGetsIt() throws Exception {
        Path ssh = ChildClient.script(dir.resolve("fake-ssh"),
                "[ \"$1\" = -G ] && exit 1\necho 'fake-ssh: connection refused by the test' >&2\nexit 255\n");
        ChildClient.Result r = ChildClient.run("/usr/bin:/bin", "-e", ssh.toString(), "-r", "gw.example", "10.0.0.0/8");
        assertEquals(255, r.code(), r.stderr());
        assertTrue(r.stderr().contains("fake-ssh: connection refused by the test") && r.stderr().contains("remote exit code 255"),
                r.stderr());
    }
}
