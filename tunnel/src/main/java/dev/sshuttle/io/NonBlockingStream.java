package dev.sshuttle.io;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A non-blocking byte stream as the driver code sees it: a JDK channel on the event loop in
 * production, an in-memory one under simulation, so the simulator runs the very driver that
 * ships. Readiness is reported to the {@link Readiness} given to {@link #start} while the
 * matching interest is on (level-triggered, like the selector).
 */
public interface NonBlockingStream {
    /** Bytes read into dst: more than 0, 0 when there is nothing now, -1 at end of stream. */
    int read(ByteBuffer dst) throws IOException;

    /** Bytes taken from src; 0 when the stream is full. */
    int write(ByteBuffer src) throws IOException;

    /** Which readiness calls are wanted from now on. */
    void interest(boolean read, boolean write);

    /** Starts reporting readiness to {@code events} (with no interest until {@link #interest}). */
    void start(Readiness events);
}
