package dev.sshuttle.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child process whose stdin/stdout are the mux stream: ssh (the default transport, so
 * ~/.ssh/config, keys, agent and ProxyJump all work) or, in tests, the agent run locally.
 * Its stderr is inherited: ssh prompts and the agent's log reach the user.
 */
public final class ProcessTransport implements Transport {
    private final Process process;
    private final String description;

    private ProcessTransport(Process process, String description) {
        this.process = process;
        this.description = description;
    }

    public static ProcessTransport start(List<String> argv, String description) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT);
        try {
            return new ProcessTransport(pb.start(), description);
        } catch (IOException e) {
            throw new IOException("cannot start " + argv.getFirst() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream in() {
        return process.getInputStream();
    }

    @Override
    public OutputStream out() {
        return process.getOutputStream();
    }

    @Override
    public int awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public String describe() {
        return description;
    }

    /** ssh stuck on a stalled connection would sit out close()'s grace period: SIGTERM at once. */
    @Override
    public void abort() {
        process.destroy();
        close();
    }

    /** Closes the agent's stdin (it exits on EOF), then makes sure the process is gone. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already gone
        }
        if (awaitExit(Duration.ofSeconds(2)) < 0 && process.isAlive()) {
            process.destroy();
            if (awaitExit(Duration.ofSeconds(2)) < 0) process.destroyForcibly();
        }
        try {
            process.getInputStream().close();
        } catch (IOException ignored) {
            // nothing left to read
        }
    }
}
