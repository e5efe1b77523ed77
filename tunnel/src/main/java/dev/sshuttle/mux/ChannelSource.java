package dev.sshuttle.mux;

import java.nio.ByteBuffer;

/**
 * Where a channel's outgoing stream bytes come from: the local socket, read by the mux when the
 * scheduler gives the channel its turn, straight into the outgoing frame behind its header.
 * So the socket's own receive buffer is the channel's send queue: nothing is copied aside and
 * an application that writes faster than the tunnel is held back by TCP itself.
 */
public interface ChannelSource {
    /** The source ended with an error (a reset local connection): the channel is reset. */
    int RESET = -2;

    /**
     * Reads up to {@code dst.remaining()} bytes into {@code dst}. Returns how many (a short read
     * means the source is drained for now, and tells the mux so: it waits for
     * {@link Mux#readable} again), 0 for nothing now, -1 at end of stream, {@link #RESET} when
     * the source failed. Must not call back into the mux.
     */
    int read(ByteBuffer dst);
}
