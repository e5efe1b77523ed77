package dev.sshuttle.io;

import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.ProtocolException;
import dev.sshuttle.transport.StreamChannels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * Joins a Mux to the transport's channels on the event loop thread, with no thread in
 * between: the stream is read when it is readable (one large direct buffer, handed to the mux)
 * and written from one direct buffer that the mux fills after every loop round
 * ({@link #flush()}), with OP_WRITE only while the pipe is full.
 */
public final class MuxDriver {
    /** Session-level outcomes, called on the loop thread. */
    public interface Events {
        void onTransportClosed(String why);

        void onProtocolError(ProtocolException e);
    }

    static final int IN_BYTES = 1 << 20;
    static final int OUT_BYTES = 256 * 1024;
    private static final int READS_PER_WAKEUP = 4; // then the sockets get their turn
    private static final long FINAL_FLUSH_MILLIS = 2000;

    private final EventLoop loop;
    private final StreamChannels stream;
    private final Events events;
    private final ByteBuffer in = ByteBuffer.allocateDirect(IN_BYTES);
    private final ByteBuffer out = ByteBuffer.allocateDirect(OUT_BYTES); // [0, position) waits to be written
    private SelectionKey readKey;
    private SelectionKey writeKey; // the same key as readKey when the stream is one socket
    private Mux mux;
    private boolean closed;
    private boolean waitingForRoom;

    public MuxDriver(EventLoop loop, StreamChannels stream, Events events) {
        this.loop = loop;
        this.stream = stream;
        this.events = events;
    }

    /** Starts moving bytes. {@code leftover} holds bytes read past the sync header. Loop thread. */
    public void start(Mux mux, ByteBuffer leftover) {
        this.mux = mux;
        try {
            stream.configureNonBlocking();
        } catch (IOException e) {
            transportClosed("cannot use the stream to the remote: " + e.getMessage());
            return;
        }
        readKey = loop.register(stream.readable(), SelectionKey.OP_READ, this::ready);
        writeKey = stream.duplex() ? readKey : loop.register(stream.writable(), 0, this::ready);
        if (leftover != null && leftover.hasRemaining()) receive(leftover);
    }

    private void ready(SelectionKey key) {
        if (closed) return;
        if (key.isValid() && key.isWritable()) flush();
        if (!closed && key.isValid() && key.isReadable()) readInput();
    }

    private void readInput() {
        for (int i = 0; i < READS_PER_WAKEUP && !closed; i++) {
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
            if (n < in.capacity()) return; // drained
        }
    }

    private void receive(ByteBuffer bytes) {
        if (closed) return;
        try {
            mux.receive(bytes, EventLoop.now());
        } catch (ProtocolException e) {
            closed = true;
            events.onProtocolError(e);
        }
    }

    /** Moves what the mux has to send into the stream until the pipe is full. Loop thread; cheap when idle. */
    public void flush() {
        if (mux == null || closed) return;
        try {
            while (true) {
                if (out.hasRemaining() && mux.hasOutput()) mux.drainTo(out, EventLoop.now());
                if (out.position() == 0) break;
                out.flip();
                int n = stream.write(out);
                out.compact();
                if (n == 0) break; // full: OP_WRITE calls us back
            }
        } catch (IOException e) {
            transportClosed("writing to the remote failed: " + e.getMessage());
            return;
        }
        boolean full = out.position() > 0;
        if (full != waitingForRoom && writeKey.isValid()) {
            waitingForRoom = full;
            int ops = full ? SelectionKey.OP_WRITE : 0;
            writeKey.interestOps(stream.duplex() ? ops | SelectionKey.OP_READ : ops);
        }
    }

    private void transportClosed(String why) {
        if (closed) return;
        closed = true;
        events.onTransportClosed(why);
    }

    /**
     * Writes what the mux still has (the last frames of the session, an EXIT), waiting for the
     * pipe at most {@value #FINAL_FLUSH_MILLIS} ms, then stops. Loop thread. Does not close
     * the channels.
     */
    public void stop() {
        if (mux == null || closed) {
            closed = true;
            return;
        }
        flush();
        if (!closed && out.position() > 0) {
            long deadline = System.nanoTime() + FINAL_FLUSH_MILLIS * 1_000_000;
            try (Selector waiter = Selector.open()) {
                stream.writable().register(waiter, SelectionKey.OP_WRITE);
                while (!closed && out.position() > 0 && System.nanoTime() < deadline) {
                    waiter.select(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                    waiter.selectedKeys().clear();
                    flush();
                }
            } catch (IOException e) {
                // the remote is gone; what it did not take is lost with it
            }
        }
        closed = true;
    }

    public boolean isClosed() {
        return closed;
    }
}
