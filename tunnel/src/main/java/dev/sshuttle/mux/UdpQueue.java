package dev.sshuttle.mux;

import java.util.ArrayDeque;

/**
 * Datagrams waiting for their turn in the mux, bounded in bytes. Past the bound a datagram is
 * dropped (tail drop), as a router's full queue does: UDP applications retry or tolerate loss,
 * and a flood must not grow our memory or crowd out TCP.
 */
final class UdpQueue {
    /** About a quarter of a second of datagrams at 10 MB/s; a DNS or echo burst fits easily. */
    static final long MAX_QUEUED_BYTES = 2L << 20;

    private final ArrayDeque<Frame> frames = new ArrayDeque<>();
    private long queuedBytes;
    private long dropped;

    boolean offer(Frame f) {
        long bytes = Frame.HEADER_BYTES + f.payload().length;
        if (queuedBytes + bytes > MAX_QUEUED_BYTES) {
            dropped++;
            return false;
        }
        frames.add(f);
        queuedBytes += bytes;
        return true;
    }

    Frame peek() {
        return frames.peek();
    }

    Frame poll() {
        Frame f = frames.poll();
        if (f != null) queuedBytes -= Frame.HEADER_BYTES + f.payload().length;
        return f;
    }

    boolean isEmpty() {
        return frames.isEmpty();
    }

    long dropped() {
        return dropped;
    }
}
