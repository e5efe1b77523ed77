package dev.sshuttle.mux;

import java.nio.ByteBuffer;

/**
 * Streaming frame decoder: bytes in any chunking, frames out. It holds at most one header and
 * one payload (<= 65535 bytes), so memory is bounded whatever the peer sends. After a
 * ProtocolException the decoder is poisoned: the session is over.
 */
public final class FrameDecoder {
    /** Receives decoded frames. */
    public interface Sink {
        void onFrame(Frame frame) throws ProtocolException;
    }

    private final byte[] header = new byte[Frame.HEADER_BYTES];
    private int headerFilled;
    private byte[] payload;
    private int payloadFilled;
    private int channel;
    private int command;
    private ProtocolException failure;
    private long frames;

    /** Consumes every remaining byte of {@code in}, calling {@code sink} per complete frame. */
    public void decode(ByteBuffer in, Sink sink) throws ProtocolException {
        if (failure != null) throw failure;
        try {
            while (in.hasRemaining()) {
                if (payload == null) {
                    int n = Math.min(in.remaining(), Frame.HEADER_BYTES - headerFilled);
                    in.get(header, headerFilled, n);
                    headerFilled += n;
                    if (headerFilled < Frame.HEADER_BYTES) return;
                    startPayload();
                }
                int n = Math.min(in.remaining(), payload.length - payloadFilled);
                in.get(payload, payloadFilled, n);
                payloadFilled += n;
                if (payloadFilled == payload.length) {
                    Frame frame = new Frame(channel, command, payload);
                    payload = null;
                    headerFilled = 0;
                    frames++;
                    sink.onFrame(frame);
                }
            }
        } catch (ProtocolException e) {
            failure = e;
            throw e;
        }
    }

    private void startPayload() throws ProtocolException {
        if (header[0] != Frame.MAGIC || header[1] != Frame.MAGIC) {
            throw new ProtocolException(String.format(
                    "bad frame magic 0x%02x%02x after %d good frames (expected 'SS'): the stream is corrupt or not an sshuttle mux",
                    header[0] & 0xff, header[1] & 0xff, frames));
        }
        channel = u16(2);
        command = u16(4);
        payload = new byte[u16(6)];
        payloadFilled = 0;
    }

    private int u16(int at) {
        return ((header[at] & 0xff) << 8) | (header[at + 1] & 0xff);
    }

    /** True when no partial frame is buffered. */
    public boolean isIdle() {
        return headerFilled == 0 && payload == null;
    }

    public long framesDecoded() {
        return frames;
    }
}
