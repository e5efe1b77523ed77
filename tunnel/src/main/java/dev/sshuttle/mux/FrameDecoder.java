package dev.sshuttle.mux;

import java.nio.ByteBuffer;

/**
 * Streaming frame decoder that hands out payloads in place: a frame that lies wholly inside the
 * input is passed to the sink as the input buffer itself, positioned on the payload, so a
 * data frame costs no copy and no allocation. Only a frame split across two inputs is
 * assembled in an internal buffer of one maximum frame, so memory is bounded whatever the
 * peer sends. After a ProtocolException the decoder is poisoned: the session is over.
 */
public final class FrameDecoder {
    /**
     * Receives decoded frames. {@code payload} holds the payload between its position and limit
     * and is valid only during the call: the sink reads (or copies) what it needs; whatever it
     * leaves is skipped.
     */
    public interface Sink {
        void onFrame(int channel, int command, ByteBuffer payload) throws ProtocolException;
    }

    private final ByteBuffer partial = ByteBuffer.allocate(Frame.HEADER_BYTES + Frame.MAX_PAYLOAD);
    private ProtocolException failure;
    private long frames;

    /** Consumes every remaining byte of {@code in}, calling {@code sink} per complete frame. */
    public void decode(ByteBuffer in, Sink sink) throws ProtocolException {
        if (failure != null) throw failure;
        try {
            if (partial.position() > 0 && !completePartial(in, sink)) return;
            while (in.remaining() >= Frame.HEADER_BYTES) {
                int at = in.position();
                checkMagic(in.get(at), in.get(at + 1));
                int length = in.getShort(at + 6) & 0xffff;
                int end = at + Frame.HEADER_BYTES + length;
                if (end > in.limit()) break;
                deliver(in, at, end, sink);
            }
            if (in.hasRemaining()) {
                if (in.remaining() >= 2) checkMagic(in.get(in.position()), in.get(in.position() + 1));
                partial.put(in);
            }
        } catch (ProtocolException e) {
            failure = e;
            throw e;
        }
    }

    /** Tops up the frame begun in an earlier input; true once it is delivered. */
    private boolean completePartial(ByteBuffer in, FrameDecoder.Sink sink) throws ProtocolException {
        if (partial.position() < Frame.HEADER_BYTES) {
            take(in, Frame.HEADER_BYTES - partial.position());
            if (partial.position() < Frame.HEADER_BYTES) return false;
            checkMagic(partial.get(0), partial.get(1));
        }
        int length = partial.getShort(6) & 0xffff;
        take(in, Frame.HEADER_BYTES + length - partial.position());
        if (partial.position() < Frame.HEADER_BYTES + length) return false;
        partial.flip();
        deliver(partial, 0, partial.limit(), sink);
        partial.clear();
        return true;
    }

    private void take(ByteBuffer in, int wanted) {
        int n = Math.min(wanted, in.remaining());
        partial.put(partial.position(), in, in.position(), n);
        partial.position(partial.position() + n);
        in.position(in.position() + n);
    }

    private void deliver(ByteBuffer buf, int at, int end, Sink sink) throws ProtocolException {
        int channel = buf.getShort(at + 2) & 0xffff;
        int command = buf.getShort(at + 4) & 0xffff;
        int limit = buf.limit();
        buf.limit(end).position(at + Frame.HEADER_BYTES);
        try {
            frames++;
            sink.onFrame(channel, command, buf);
        } finally {
            buf.limit(limit).position(end);
        }
    }

    private void checkMagic(byte first, byte second) throws ProtocolException {
        if (first != Frame.MAGIC || second != Frame.MAGIC) {
            throw new ProtocolException(String.format(
                    "bad frame magic 0x%02x%02x after %d good frames (expected 'SS'): the stream is corrupt or not an sshuttle mux",
                    first & 0xff, second & 0xff, frames));
        }
    }

    /** True when no partial frame is buffered. */
    public boolean isIdle() {
        return partial.position() == 0;
    }

    public long framesDecoded() {
        return frames;
    }
}
