package dev.sshuttle.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Bytes received for a local socket that it has not taken yet, in pooled chunks, oldest first.
 * Bounded by the channel's window (0002): the peer cannot send more than we granted.
 */
final class PendingBytes {
    private final ChunkPool pool;
    private final ArrayDeque<ByteBuffer> chunks = new ArrayDeque<>(); // each in read mode: [position, limit) pending
    private long bytes;

    PendingBytes(ChunkPool pool) {
        this.pool = pool;
    }

    boolean isEmpty() {
        return bytes == 0;
    }

    long bytes() {
        return bytes;
    }

    /** Copies what remains of src. */
    void add(ByteBuffer src) {
        bytes += src.remaining();
        ByteBuffer tail = chunks.peekLast();
        while (src.hasRemaining()) {
            if (tail == null || tail.limit() == tail.capacity()) {
                tail = pool.take().limit(0);
                chunks.add(tail);
            }
            int end = tail.limit();
            int n = Math.min(src.remaining(), tail.capacity() - end);
            tail.limit(end + n).put(end, src, src.position(), n);
            src.position(src.position() + n);
        }
    }

    /** Writes as much as the socket takes; returns the bytes written. */
    long writeTo(NonBlockingStream socket) throws IOException {
        long written = 0;
        for (ByteBuffer head; (head = chunks.peek()) != null; ) {
            int n = socket.write(head);
            written += n;
            if (head.hasRemaining()) break;
            pool.give(chunks.poll());
        }
        bytes -= written;
        return written;
    }

    void clear() {
        for (ByteBuffer c; (c = chunks.poll()) != null; ) pool.give(c);
        bytes = 0;
    }
}
