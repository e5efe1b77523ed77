package dev.sshuttle.client;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The bound on a session's set-up: from ssh's start to the agent's ROUTES. Without it an ssh
 * that connects and then hears nothing (a remote stuck before the agent runs, a proxy that
 * swallowed the stream, a home directory on a dead mount) held the client forever, and with
 * --reconnect no retry ever came (seen in the cut tests under load). When the time is up the
 * transport is aborted, so every blocking set-up read ends, and the session says why.
 *
 * <p>Password prompts: ssh asks on the controlling terminal and the user may take their time,
 * so the first session is bounded only when there is no terminal to ask on (a daemon, a
 * service, CI). Later sessions (--reconnect) are always bounded: nobody may be watching.
 */
final class SetupDeadline {
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile boolean expired;

    private SetupDeadline() {}

    /** Arms the deadline (a zero timeout: none); {@code onExpiry} runs once if it passes first. */
    static SetupDeadline arm(Duration timeout, Runnable onExpiry) {
        SetupDeadline d = new SetupDeadline();
        if (timeout.isZero() || timeout.isNegative()) return d;
        CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (d.done.compareAndSet(false, true)) {
                d.expired = true;
                onExpiry.run();
            }
        });
        return d;
    }

    /** Whether this session's set-up is bounded: always on a reconnect, else only with no terminal to prompt on. */
    static boolean applies(boolean reconnecting) {
        return reconnecting || !hasControllingTerminal();
    }

    /** The set-up is over (the agent answered, or the session ended first). */
    void disarm() {
        done.set(true);
    }

    boolean expired() {
        return expired;
    }

    /** ssh prompts on /dev/tty; it opens only for a process with a controlling terminal (else ENXIO). */
    static boolean hasControllingTerminal() {
        try (FileChannel tty = FileChannel.open(Path.of("/dev/tty"), StandardOpenOption.READ)) {
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
