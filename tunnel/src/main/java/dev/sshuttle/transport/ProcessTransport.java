package dev.sshuttle.transport;

import dev.sshuttle.io.StreamChannels;

import dev.sshuttle.sys.SpawnedProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * A child process whose stdin/stdout are the mux stream: ssh (the default transport, so
 * ~/.ssh/config, keys, agent and ProxyJump all work) or, in tests, the agent run locally.
 * Its stderr is inherited: ssh prompts and the agent's log reach the user. The pipes are JDK
 * channels ({@link SpawnedProcess}), so the client's event loop reads and writes them itself.
 */
public final class ProcessTransport implements Transport {
    private final SpawnedProcess process;
    private final StreamChannels channels;
    private final String description;

    private ProcessTransport(SpawnedProcess process, String description) {
        this.process = process;
        this.channels = StreamChannels.of(process.stdout(), process.stdin());
        this.description = description;
    }

    public static ProcessTransport start(List<String> argv, String description) throws IOException {
        return start(argv, java.util.Map.of(), description);
    }

    /** With extra environment variables for the child (sshpass's SSHPASS). */
    public static ProcessTransport start(List<String> argv, java.util.Map<String, String> extraEnv, String description)
            throws IOException {
        return new ProcessTransport(SpawnedProcess.start(argv, extraEnv), description);
    }

    @Override
    public StreamChannels channels() {
        return channels;
    }

    @Override
    public int awaitExit(Duration timeout) {
        return process.waitFor(timeout);
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
        process.signal(SpawnedProcess.SIGTERM);
        close();
    }

    /** Closes the agent's stdin (it exits on EOF), then makes sure the process is gone. */
    @Override
    public void close() {
        channels.closeOutput();
        if (awaitExit(Duration.ofSeconds(2)) < 0 && process.isAlive()) {
            process.signal(SpawnedProcess.SIGTERM);
            if (awaitExit(Duration.ofSeconds(2)) < 0) process.signal(SpawnedProcess.SIGKILL);
        }
        channels.close();
    }
}
