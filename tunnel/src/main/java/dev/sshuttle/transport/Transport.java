package dev.sshuttle.transport;

import dev.sshuttle.io.StreamChannels;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/** The byte stream to the remote agent (ssh's stdin/stdout, a local process, or a socket in tests). */
public interface Transport extends AutoCloseable {
    /** The stream as selectable channels: blocking during set-up, then handed to the event loop. */
    StreamChannels channels();

    /** Blocking reads for the set-up (sync header, agent upload), before the event loop takes over. */
    default InputStream in() {
        return channels().inputStream();
    }

    /** Blocking writes for the set-up, before the event loop takes over. */
    default OutputStream out() {
        return channels().outputStream();
    }

    /** Waits up to {@code timeout} for the remote side to end; its exit code, or -1 if still running/unknown. */
    int awaitExit(Duration timeout);

    /**
     * Opens extra channels to a unix socket on the remote itself (the builtin ssh), or null: the
     * system ssh's own forward is used (docs/protocol.md, "Striping").
     */
    default dev.sshuttle.stripe.StripeClient.LaneOpener laneOpener(String remoteSocket) {
        return null;
    }

    /** What this is, for messages: "ssh user@host", "local agent". */
    String describe();

    @Override
    void close();

    /**
     * Ends a transport already known to be dead (the keepalive gave up on it): no grace period
     * for a polite exit that a stalled connection will not make.
     */
    default void abort() {
        close();
    }
}
