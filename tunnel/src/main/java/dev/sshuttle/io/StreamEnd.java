package dev.sshuttle.io;

/** The transport (ssh's pipes, the agent's stdio) as the mux driver sees it. */
public interface StreamEnd extends NonBlockingStream {
    /** Waits, at most {@code timeoutMillis}, until the stream can take bytes: for the final flush only. */
    void awaitWritable(long timeoutMillis);
}
