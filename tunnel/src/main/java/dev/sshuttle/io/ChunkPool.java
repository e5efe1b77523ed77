package dev.sshuttle.io;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Direct 64 KiB chunks for bytes a local socket could not take at once, recycled so that a
 * slow reader costs no garbage. Keeps at most {@link #RETAINED_CHUNKS} idle chunks; more than
 * that (a burst of slow readers) is left to the collector. One pool per event loop; not
 * thread-safe.
 */
final class ChunkPool {
    static final int CHUNK_BYTES = 64 * 1024;
    static final int RETAINED_CHUNKS = 64;

    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();

    ByteBuffer take() {
        ByteBuffer b = free.poll();
        return b != null ? b.clear() : ByteBuffer.allocateDirect(CHUNK_BYTES);
    }

    void give(ByteBuffer chunk) {
        if (free.size() < RETAINED_CHUNKS) free.add(chunk);
    }
}
