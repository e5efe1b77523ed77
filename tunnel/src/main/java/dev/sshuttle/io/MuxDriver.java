package dev.sshuttle.io;

import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.ProtocolException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Joins a Mux on an EventLoop to a blocking byte stream (ssh's stdin/stdout, or the agent's
 * own). A reader thread hands received chunks to the loop; a writer thread writes what the
 * loop drained from the mux. Two buffers each way: one in flight, one being filled, so the
 * pipe stays busy without unbounded queues (the reader blocks when the loop falls behind).
 */
public final class MuxDriver {
    /** Session-level outcomes, called on the loop thread. */
    public interface Events {
        void onTransportClosed(String why);

        void onProtocolError(ProtocolException e);
    }

    private static final int BUFFER_BYTES = 256 * 1024;
    private static final int BUFFERS_EACH_WAY = 2;

    private final EventLoop loop;
    private final InputStream in;
    private final OutputStream out;
    private final Events events;
    private final BlockingQueue<ByteBuffer> freeReadBuffers = new ArrayBlockingQueue<>(BUFFERS_EACH_WAY);
    private final BlockingQueue<ByteBuffer> freeWriteBuffers = new ArrayBlockingQueue<>(BUFFERS_EACH_WAY);
    private final BlockingQueue<ByteBuffer> toWrite = new ArrayBlockingQueue<>(BUFFERS_EACH_WAY + 1);
    private Mux mux;
    private volatile boolean closed;
    private Thread reader;
    private Thread writer;

    public MuxDriver(EventLoop loop, InputStream in, OutputStream out, Events events) {
        this.loop = loop;
        this.in = in;
        this.out = out;
        this.events = events;
        for (int i = 0; i < BUFFERS_EACH_WAY; i++) {
            freeReadBuffers.add(ByteBuffer.allocate(BUFFER_BYTES));
            freeWriteBuffers.add(ByteBuffer.allocate(BUFFER_BYTES));
        }
    }

    /** Starts moving bytes. {@code leftover} holds bytes read past the sync header. Loop thread. */
    public void start(Mux mux, ByteBuffer leftover) {
        this.mux = mux;
        if (leftover != null && leftover.hasRemaining()) receive(leftover);
        reader = Thread.ofPlatform().name("mux-reader").daemon(true).start(this::readLoop);
        writer = Thread.ofPlatform().name("mux-writer").daemon(true).start(this::writeLoop);
    }

    /** Moves whatever the mux has to send into free write buffers. Loop thread; cheap when idle. */
    public void flush() {
        if (mux == null || closed) return;
        while (mux.hasOutput()) {
            ByteBuffer buf = freeWriteBuffers.poll();
            if (buf == null) return; // both buffers in flight; the writer calls back when one frees
            buf.clear();
            mux.drainTo(buf, EventLoop.now());
            buf.flip();
            toWrite.add(buf);
        }
    }

    private void receive(ByteBuffer chunk) {
        if (closed) return;
        try {
            mux.receive(chunk, EventLoop.now());
        } catch (ProtocolException e) {
            closed = true;
            events.onProtocolError(e);
        }
    }

    private void readLoop() {
        try {
            while (!closed) {
                ByteBuffer buf = freeReadBuffers.take();
                int n = in.read(buf.array(), 0, buf.capacity());
                if (n < 0) {
                    loop.execute(() -> transportClosed("the remote end closed the connection"));
                    return;
                }
                buf.position(0).limit(n);
                loop.execute(() -> {
                    receive(buf);
                    buf.clear();
                    freeReadBuffers.add(buf);
                });
            }
        } catch (IOException e) {
            if (!closed) loop.execute(() -> transportClosed("reading from the remote failed: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeLoop() {
        try {
            while (!closed) {
                ByteBuffer buf = toWrite.take();
                if (buf.capacity() == 0) return; // poison: shutting down
                out.write(buf.array(), 0, buf.limit());
                if (toWrite.isEmpty()) out.flush();
                loop.execute(() -> {
                    freeWriteBuffers.add(buf);
                    flush();
                });
            }
        } catch (IOException e) {
            if (!closed) loop.execute(() -> transportClosed("writing to the remote failed: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void transportClosed(String why) {
        if (closed) return;
        closed = true;
        events.onTransportClosed(why);
    }

    /** Writes what is already drained, then stops both threads. Does not close the streams. */
    public void stop() {
        closed = true;
        toWrite.offer(ByteBuffer.allocate(0));
        if (reader != null) reader.interrupt();
    }

    public boolean isClosed() {
        return closed;
    }
}
