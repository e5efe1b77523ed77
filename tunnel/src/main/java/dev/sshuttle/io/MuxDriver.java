package dev.sshuttle.io;

import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.ProtocolException;
import dev.sshuttle.mux.ProtocolVersion;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Joins a Mux to the transport on the loop thread, with no thread in between: the stream is
 * read into one large direct buffer whose frames the mux decodes in place, and written from one
 * direct buffer that the mux fills, pulling socket bytes straight into it, after every loop
 * round ({@link #flush()}). Interest in writing is on only while the stream is full.
 */
public final class MuxDriver implements Readiness {
    /** Session-level outcomes, called on the loop thread. */
    public interface Events {
        void onTransportClosed(String why);

        void onProtocolError(ProtocolException e);
    }

    static final int IN_BYTES = 1 << 20;
    static final int OUT_BYTES = 256 * 1024;
    /** 0001 has no windows: past this many bytes waiting for slow local sockets, stop reading the stream. */
    static final long CLASSIC_PENDING_MAX_BYTES = 16L << 20;
    /**
     * 0002's windows bound each channel, not their sum (256 KiB each for thousands of channels
     * whose applications do not read): the memory budget for all of them together.
     */
    static final long PENDING_MAX_BYTES = 64L << 20;
    private static final int READS_PER_WAKEUP = 4; // then the sockets get their turn
    private static final long FINAL_FLUSH_NANOS = 2_000_000_000L;

    private final Timers timers;
    private final StreamEnd stream;
    private final Bridges bridges;
    private final Events events;
    private final ByteBuffer in;
    private final ByteBuffer out = ByteBuffer.allocateDirect(OUT_BYTES); // [0, position) waits to be written
    private Mux mux;
    private boolean closed;
    private boolean waitingForRoom;
    private boolean reading;

    public MuxDriver(Timers timers, StreamEnd stream, Bridges bridges, Events events) {
        this(timers, stream, bridges, events, IN_BYTES);
    }

    /** With an input buffer of {@code inBytes} (the simulator uses a smaller one). */
    public MuxDriver(Timers timers, StreamEnd stream, Bridges bridges, Events events, int inBytes) {
        this.timers = timers;
        this.stream = stream;
        this.bridges = bridges;
        this.events = events;
        this.in = ByteBuffer.allocateDirect(inBytes);
    }

    /** Starts moving bytes. {@code leftover} holds bytes read past the sync header. Loop thread. */
    public void start(Mux mux, ByteBuffer leftover) {
        this.mux = mux;
        stream.start(this);
        reading = true;
        stream.interest(true, false);
        if (leftover != null && leftover.hasRemaining()) receive(leftover);
    }

    @Override
    public void onWritable() {
        if (!closed) flush();
    }

    @Override
    public void onReadable() {
        for (int i = 0; i < READS_PER_WAKEUP && !closed && wantsInput(); i++) {
            int n;
            try {
                in.clear();
                n = stream.read(in);
            } catch (IOException e) {
                transportClosed("reading from the remote failed: " + e.getMessage());
                return;
            }
            if (n < 0) {
                transportClosed("the remote end closed the connection");
                return;
            }
            if (n == 0) return;
            in.flip();
            receive(in);
            if (n < in.capacity()) break; // drained
        }
        updateInterest();
    }

    /**
     * Input is read unless answers pile up unsent (the mux's control backlog) or local sockets
     * fall far behind (in 0001, which has no windows, sooner): then the peer waits, and memory
     * stays bounded.
     */
    private boolean wantsInput() {
        return mux.wantsInput() && !localSocketsBehind();
    }

    private boolean localSocketsBehind() {
        return bridges.pendingBytes() >= (mux.version() == ProtocolVersion.V1 ? CLASSIC_PENDING_MAX_BYTES : PENDING_MAX_BYTES);
    }

    private void receive(ByteBuffer bytes) {
        if (closed) return;
        try {
            mux.receive(bytes, timers.nanos());
        } catch (ProtocolException e) {
            closed = true;
            events.onProtocolError(e);
        }
    }

    /** Moves what the mux has to send into the stream until the stream is full. Loop thread; cheap when idle. */
    public void flush() {
        if (mux == null || closed) return;
        try {
            while (true) {
                if (out.hasRemaining() && mux.hasOutput()) mux.drainTo(out, timers.nanos());
                if (out.position() == 0) break;
                out.flip();
                int n = stream.write(out);
                out.compact();
                if (n == 0) break; // full: onWritable calls us back
            }
        } catch (IOException e) {
            transportClosed("writing to the remote failed: " + e.getMessage());
            return;
        }
        updateInterest();
    }

    private void updateInterest() {
        if (closed) return;
        boolean full = out.position() > 0;
        boolean read = wantsInput();
        if (!read && localSocketsBehind()) mux.holdingInput(timers.nanos()); // not the peer's silence
        if (full != waitingForRoom || read != reading) {
            waitingForRoom = full;
            reading = read;
            stream.interest(read, full);
        }
    }

    private void transportClosed(String why) {
        if (closed) return;
        closed = true;
        events.onTransportClosed(why);
    }

    /**
     * Writes what the mux still has (the last frames of the session, an EXIT), waiting for the
     * stream at most two seconds, then stops. Loop thread. Does not close the stream.
     */
    public void stop() {
        if (mux == null || closed) {
            closed = true;
            return;
        }
        flush();
        long deadline = timers.nanos() + FINAL_FLUSH_NANOS;
        while (!closed && out.position() > 0 && timers.nanos() < deadline) {
            stream.awaitWritable(Math.max(1, (deadline - timers.nanos()) / 1_000_000));
            flush();
        }
        closed = true;
    }

    public boolean isClosed() {
        return closed;
    }
}
