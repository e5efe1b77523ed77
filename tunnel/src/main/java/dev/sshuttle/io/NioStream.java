package dev.sshuttle.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/** The transport's channels (a pipe pair or one socket) as a {@link StreamEnd} on the event loop. */
public final class NioStream implements StreamEnd {
    private final EventLoop loop;
    private final StreamChannels channels;
    private Readiness events;
    private SelectionKey readKey;
    private SelectionKey writeKey; // the same key as readKey when the stream is one socket

    public NioStream(EventLoop loop, StreamChannels channels) {
        this.loop = loop;
        this.channels = channels;
    }

    @Override
    public void start(Readiness events) {
        this.events = events;
        try {
            channels.configureNonBlocking();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot use the stream to the remote", e);
        }
        readKey = loop.register(channels.readable(), 0, this::ready);
        writeKey = channels.duplex() ? readKey : loop.register(channels.writable(), 0, this::ready);
    }

    private void ready(SelectionKey key) {
        if (key.isValid() && key.isWritable()) events.onWritable();
        if (key.isValid() && key.isReadable()) events.onReadable();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return channels.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return channels.write(src);
    }

    @Override
    public void interest(boolean read, boolean write) {
        if (!readKey.isValid() || !writeKey.isValid()) return;
        if (channels.duplex()) {
            readKey.interestOps((read ? SelectionKey.OP_READ : 0) | (write ? SelectionKey.OP_WRITE : 0));
        } else {
            readKey.interestOps(read ? SelectionKey.OP_READ : 0);
            writeKey.interestOps(write ? SelectionKey.OP_WRITE : 0);
        }
    }

    @Override
    public void awaitWritable(long timeoutMillis) {
        // a channel may sit in several selectors: a private one waits without running the loop
        try (Selector waiter = Selector.open()) {
            channels.writable().register(waiter, SelectionKey.OP_WRITE);
            waiter.select(Math.max(1, timeoutMillis));
        } catch (IOException e) {
            // the remote is gone; the next write says so
        }
    }
}
