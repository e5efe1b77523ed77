package dev.sshuttle.it.topology;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assertions;

/**
 * A long-running process inside a namespace (the tunnel client, a load generator): output goes
 * to a log file (no pipe to drain, so it never blocks), readiness is awaited on the log, and
 * close() always stops it and its descendants, by PID.
 */
public final class BackgroundProcess implements AutoCloseable {
    private static final int LOG_TAIL_CHARS = 4000;
    private final Process process;
    private final Path log;
    private final String label;

    private BackgroundProcess(Process process, Path log, String label) {
        this.process = process;
        this.log = log;
        this.label = label;
    }

    /** Starts argv inside ns with stdout and stderr appended to log. */
    public static BackgroundProcess start(Netns ns, Path log, List<String> argv) {
        try {
            Process p = new ProcessBuilder(ns.argv(argv)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            return new BackgroundProcess(p, log, argv.getFirst() + " in " + ns);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", argv) + " in " + ns + ": " + e.getMessage(), e);
        }
    }

    /** The PID of the program itself ({@code ip netns exec} execs it in place). */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Process process() {
        return process;
    }

    /** Everything the process wrote so far. */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** Waits until the log matches regex (find); fails with the log's tail, or at once if the process died. */
    public void awaitLog(String regex, Duration within) {
        Pattern p = Pattern.compile(regex);
        try {
            await().atMost(within).pollInterval(Duration.ofMillis(50))
                    .until(() -> p.matcher(log()).find() || !process.isAlive());
        } catch (ConditionTimeoutException e) {
            Assertions.fail(label + ": no output matching /" + regex + "/ within " + within + "; log:\n" + tail());
        }
        if (!p.matcher(log()).find()) {
            Assertions.fail(label + " exited with " + process.exitValue() + " before printing /" + regex + "/; log:\n" + tail());
        }
    }

    /** Waits for the exit and returns the exit code; fails with the log's tail on timeout. */
    public int awaitExit(Duration within) {
        try {
            if (process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Assertions.fail(label + " still running after " + within + "; log:\n" + tail());
        return -1;
    }

    /** SIGTERM, then the exit code (fails if it does not exit within `within`). */
    public int terminate(Duration within) {
        process.destroy();
        return awaitExit(within);
    }

    /** SIGKILL: no cleanup code of the process runs. Returns the exit code (137). */
    public int kill() {
        process.destroyForcibly();
        return awaitExit(Duration.ofSeconds(10));
    }

    /** The end of the log, for failure messages. */
    public String tail() {
        String all = log();
        return all.length() <= LOG_TAIL_CHARS ? all : "..." + all.substring(all.length() - LOG_TAIL_CHARS);
    }

    /** Stops the process and everything it started: TERM, and KILL after 3 s. */
    @Override
    public void close() {
        List<ProcessHandle> all = new java.util.ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(3, TimeUnit.SECONDS);
            } catch (Exception stillThere) {
                h.destroyForcibly();
            }
        }
    }
}
