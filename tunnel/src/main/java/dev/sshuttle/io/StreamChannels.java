package dev.sshuttle.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.WritableByteChannel;

/**
 * The mux byte stream as selectable channels, so the event loop that owns the sockets also
 * reads and writes the stream, with no thread in between: a pipe pair (ssh's stdin and stdout,
 * the agent's own stdio) or one socket. Blocking while the session is set up (sync header,
 * agent upload, through {@link #inputStream()} and {@link #outputStream()}), non-blocking once
 * the mux runs.
 */
public final class StreamChannels {
    private final SelectableChannel readable;
    private final ReadableByteChannel reader;
    private final SelectableChannel writable;
    private final WritableByteChannel writer;

    private StreamChannels(SelectableChannel readable, ReadableByteChannel reader, SelectableChannel writable,
                           WritableByteChannel writer) {
        this.readable = readable;
        this.reader = reader;
        this.writable = writable;
        this.writer = writer;
    }

    public static StreamChannels of(Pipe.SourceChannel in, Pipe.SinkChannel out) {
        return new StreamChannels(in, in, out, out);
    }

    /** One channel both ways (a socket). */
    public static <C extends SelectableChannel & ByteChannel> StreamChannels of(C duplex) {
        return new StreamChannels(duplex, duplex, duplex, duplex);
    }

    /**
     * For a transport that only has blocking streams (the builtin ssh's channel): two threads
     * copy between the streams and a pipe pair. Slower than a real pipe, but the loop sees the
     * same kind of channel either way.
     */
    public static StreamChannels bridging(InputStream in, OutputStream out, String name) throws IOException {
        Pipe down = Pipe.open();
        Pipe up = Pipe.open();
        Thread.ofPlatform().daemon(true).name(name + "-in").start(() -> {
            try (InputStream from = in; WritableByteChannel to = down.sink()) {
                copy(from, to);
            } catch (IOException ignored) {
                // the stream ended or we closed our end: the loop sees EOF either way
            }
        });
        Thread.ofPlatform().daemon(true).name(name + "-out").start(() -> {
            try (ReadableByteChannel from = up.source(); OutputStream to = out) {
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                while (from.read(buf.clear()) >= 0) {
                    to.write(buf.array(), 0, buf.position());
                    to.flush();
                }
            } catch (IOException ignored) {
                // the remote went away; the loop's next read says so
            }
        });
        return of(down.source(), up.sink());
    }

    private static void copy(InputStream from, WritableByteChannel to) throws IOException {
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = from.read(buf)) >= 0; ) {
            ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
            while (b.hasRemaining()) to.write(b);
        }
    }

    /** The channel to register for reading. */
    public SelectableChannel readable() {
        return readable;
    }

    /** The channel to register for writing (the same object as readable() for a socket). */
    public SelectableChannel writable() {
        return writable;
    }

    public boolean duplex() {
        return readable == writable;
    }

    public int read(ByteBuffer dst) throws IOException {
        return reader.read(dst);
    }

    public int write(ByteBuffer src) throws IOException {
        return writer.write(src);
    }

    /** Blocking reads, for the set-up before the mux runs. */
    public InputStream inputStream() {
        return Channels.newInputStream(reader);
    }

    /** Blocking writes, for the set-up before the mux runs. */
    public OutputStream outputStream() {
        return Channels.newOutputStream(writer);
    }

    /** Switches both channels to non-blocking mode, for the event loop. */
    public void configureNonBlocking() throws IOException {
        readable.configureBlocking(false);
        writable.configureBlocking(false);
    }

    /** Closes our end of the stream towards the remote: it reads EOF. */
    public void closeOutput() {
        try {
            if (duplex() && writable instanceof java.nio.channels.SocketChannel s) {
                s.shutdownOutput();
            } else {
                writable.close();
            }
        } catch (IOException ignored) {
            // already gone
        }
    }

    public void close() {
        for (SelectableChannel c : new SelectableChannel[] {readable, writable}) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
