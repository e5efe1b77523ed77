package dev.sshuttle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SIGINT and SIGTERM end the client with exit code 0 (a real JVM, a real signal). */
class SignalExitTest {

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void aSignalIsANormalEnd(String signal) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                Daemonizer.selfCommand(DaemonTestMain.class.getName(), List.of("ready")))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().remove(Daemonizer.PIDFILE_ENV); // not a daemon: connected() does nothing
        Process process = builder.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("starting", out.readLine());
            assertEquals("stdout after detach", out.readLine()); // past connected(): handlers are installed
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
            assertEquals(0, kill.waitFor());
            await().atMost(Duration.ofSeconds(30)).until(() -> !process.isAlive());
            assertEquals(0, process.exitValue());
        } finally {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
