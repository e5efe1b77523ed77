package dev.sshuttle.sim;

import dev.sshuttle.io.Readiness;
import dev.sshuttle.io.StreamEnd;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The simulated transport as the production {@code MuxDriver} sees it: writes go into the
 * outgoing {@link LinkDirection}'s send buffer while it has room; reads return what the peer's
 * link delivered, one delivered piece at most per read, so the decoder meets the link's
 * arbitrary chunking. Readiness is level-triggered, reported in events of its own.
 */
final class SimStream implements StreamEnd {
    private final Simulation sim;
    private final ArrayDeque<ByteBuffer> inbound = new ArrayDeque<>();
    private LinkDirection out;
    private Readiness events;
    private boolean readInterest;
    private boolean writeInterest;
    private boolean checkScheduled;

    SimStream(Simulation sim) {
        this.sim = sim;
    }

    void connect(LinkDirection outgoing) {
        this.out = outgoing;
    }

    /** The peer's link delivered bytes (the buffer is only valid during the call). */
    void deliver(ByteBuffer bytes) {
        inbound.add(ByteBuffer.allocate(bytes.remaining()).put(bytes).flip());
        scheduleCheck();
    }

    /** The outgoing link's send buffer has room again. */
    void onRoom() {
        scheduleCheck();
    }

    @Override
    public void start(Readiness events) {
        this.events = events;
    }

    @Override
    public int read(ByteBuffer dst) {
        ByteBuffer piece = inbound.peek();
        if (piece == null) return 0;
        int n = Math.min(piece.remaining(), dst.remaining());
        dst.put(dst.position(), piece, piece.position(), n).position(dst.position() + n);
        piece.position(piece.position() + n);
        if (!piece.hasRemaining()) inbound.poll();
        return n;
    }

    @Override
    public int write(ByteBuffer src) {
        return out.fill(ring -> {
            int n = Math.min(ring.remaining(), src.remaining());
            ring.put(ring.position(), src, src.position(), n);
            src.position(src.position() + n);
            return n;
        });
    }

    @Override
    public void interest(boolean read, boolean write) {
        readInterest = read;
        writeInterest = write;
        scheduleCheck();
    }

    @Override
    public void awaitWritable(long timeoutMillis) {
        // virtual time does not pass inside a call; the final flush is not simulated
    }

    private void scheduleCheck() {
        if (checkScheduled || events == null) return;
        checkScheduled = true;
        sim.after(0, () -> {
            checkScheduled = false;
            boolean fired = false;
            if (readInterest && !inbound.isEmpty()) {
                events.onReadable();
                fired = true;
            }
            if (writeInterest && out.room() > 0) {
                events.onWritable();
                fired = true;
            }
            if (fired) scheduleCheck(); // level-triggered: still ready means reported again next round
        });
    }
}
