package dev.sshuttle.sim;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * One direction of the simulated transport. The sending driver fills a bounded buffer (the
 * socket/pipe buffer); the wire takes chunks of 1..maxChunk bytes from it at the link's rate, and
 * each chunk arrives one latency later, split at random into several receive calls, possibly
 * damaged by a {@link Corruptor}. Chunks arrive in order: the wire is serial and latency fixed.
 */
final class LinkDirection {
    private final Simulation sim;
    private final LinkConfig config;
    private final Corruptor corruptor;
    private final byte[] ring;
    private int head;
    private int count;
    private boolean wireBusy;
    private Consumer<ByteBuffer> receiver = b -> {};
    private Runnable onRoom = () -> {};
    private long bytesAccepted;
    private long bytesDelivered;
    private long inFlightBytes;

    LinkDirection(Simulation sim, LinkConfig config) {
        this.sim = sim;
        this.config = config;
        this.corruptor = new Corruptor(sim.random(), config.corruptPerMillion());
        this.ring = new byte[config.sendBufferBytes()];
    }

    /** Where delivered bytes go, and whom to tell when the send buffer has room again. */
    void connect(Consumer<ByteBuffer> receiver, Runnable onRoom) {
        this.receiver = receiver;
        this.onRoom = onRoom;
    }

    int room() {
        return ring.length - count;
    }

    /** Lets {@code source} write into the free part of the send buffer; returns bytes taken. */
    int fill(java.util.function.ToIntFunction<ByteBuffer> source) {
        int total = 0;
        for (int part = 0; part < 2 && room() > 0; part++) {
            int tail = (head + count) % ring.length;
            int contiguous = Math.min(room(), ring.length - tail);
            int n = source.applyAsInt(ByteBuffer.wrap(ring, tail, contiguous));
            count += n;
            total += n;
            if (n < contiguous) break;
        }
        bytesAccepted += total;
        if (total > 0) startWire();
        return total;
    }

    private void startWire() {
        if (wireBusy || count == 0) return;
        int n = Math.min(count, 1 + sim.random().nextInt(config.maxChunkBytes()));
        byte[] chunk = new byte[n];
        int first = Math.min(n, ring.length - head);
        System.arraycopy(ring, head, chunk, 0, first);
        System.arraycopy(ring, 0, chunk, first, n - first);
        head = (head + n) % ring.length;
        count -= n;
        wireBusy = true;
        inFlightBytes += n;
        sim.after(config.serializationNanos(n), () -> {
            wireBusy = false;
            sim.after(config.oneWayLatencyNanos(), () -> deliver(chunk));
            onRoom.run();
            startWire();
        });
    }

    private void deliver(byte[] sent) {
        inFlightBytes -= sent.length;
        byte[] chunk = corruptor.apply(sent);
        int at = 0;
        // arbitrary chunking: the reader sees up to three pieces, some possibly one byte long
        for (int pieces = 1 + sim.random().nextInt(3); pieces > 0 && at < chunk.length; pieces--) {
            int n = pieces == 1 ? chunk.length - at : 1 + sim.random().nextInt(chunk.length - at);
            bytesDelivered += n;
            receiver.accept(ByteBuffer.wrap(chunk, at, n));
            at += n;
        }
    }

    /** True when nothing is buffered, on the wire, or propagating. */
    boolean empty() {
        return count == 0 && inFlightBytes == 0;
    }

    long bytesAccepted() {
        return bytesAccepted;
    }

    long bytesDelivered() {
        return bytesDelivered;
    }

    /** The stream was cut: nothing more will ever arrive. */
    boolean truncated() {
        return corruptor.truncated();
    }

    int damages() {
        return corruptor.damages();
    }
}
