package dev.sshuttle.stripe;

import dev.sshuttle.mux.Frame;
import dev.sshuttle.mux.FrameEncoder;
import dev.sshuttle.mux.ProtocolException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * The handshake's frames and the lane greeting. Both frames travel on the first transport
 * before the mux starts, as ordinary 0002 frames on channel 0 (docs/protocol.md, "Striping").
 */
public final class StripeWire {
    /** agent -> client, the first frame after the sync header when striping was asked: u8 lanes (0: refused), UTF-8 reason. */
    public static final int STRIPE_OFFER = 0x4220;
    /** Both ways: u8 count, then the lane numbers in use; the striped stream starts right after it. */
    public static final int STRIPE_START = 0x4221;
    public static final int TOKEN_BYTES = 16;
    /** What each lane sends first: the token, then its lane number (1..). */
    public static final int HELLO_BYTES = TOKEN_BYTES + 1;
    /** The agent's answer to a good hello. */
    public static final byte HELLO_OK = 1;
    /** Lanes beyond the first transport; 16 channels of 2 MiB cover 32 MiB, the in-flight bound's cap. */
    public static final int MAX_EXTRA_LANES = 15;

    private StripeWire() {}

    public static String hex(byte[] token) {
        return HexFormat.of().formatHex(token);
    }

    public static byte[] token(String hex) {
        byte[] t = HexFormat.of().parseHex(hex);
        if (t.length != TOKEN_BYTES) throw new IllegalArgumentException("stripe token must be " + TOKEN_BYTES + " bytes");
        return t;
    }

    public static void writeFrame(OutputStream out, int command, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Frame.HEADER_BYTES + payload.length);
        FrameEncoder.write(b, 0, command, payload, 0, payload.length);
        out.write(b.array(), 0, b.position());
        out.flush();
    }

    public static byte[] startPayload(java.util.List<Integer> lanes) {
        byte[] p = new byte[1 + lanes.size()];
        p[0] = (byte) lanes.size();
        for (int i = 0; i < lanes.size(); i++) p[i + 1] = (byte) (int) lanes.get(i);
        return p;
    }

    public static java.util.List<Integer> startLanes(Frame f) throws ProtocolException {
        if (f.command() != STRIPE_START || f.payload().length < 1 || f.payload().length != 1 + Byte.toUnsignedInt(f.payload()[0])) {
            throw new ProtocolException("expected STRIPE_START, got " + f);
        }
        java.util.List<Integer> lanes = new java.util.ArrayList<>();
        for (int i = 1; i < f.payload().length; i++) {
            int lane = Byte.toUnsignedInt(f.payload()[i]);
            if (lane < 1 || lane > MAX_EXTRA_LANES || lanes.contains(lane)) throw new ProtocolException("STRIPE_START names lane " + lane);
            lanes.add(lane);
        }
        return lanes;
    }

    /**
     * Reads whole frames from bytes already read (first) and then a blocking stream, keeping
     * whatever follows the last frame read: the handshake reads exactly its frames and hands
     * the rest on.
     */
    public static final class FrameReader {
        private final InputStream in;
        private ByteBuffer buf;

        public FrameReader(ByteBuffer leftover, InputStream in) {
            this.in = in;
            this.buf = ByteBuffer.allocate(Math.max(leftover.remaining(), 1024)).put(leftover).flip();
        }

        public Frame next() throws IOException, ProtocolException {
            while (true) {
                if (buf.remaining() >= Frame.HEADER_BYTES) {
                    int at = buf.position();
                    if (buf.get(at) != 'S' || buf.get(at + 1) != 'S') throw new ProtocolException("bad frame magic during the stripe handshake");
                    int length = Short.toUnsignedInt(buf.getShort(at + 6));
                    if (buf.remaining() >= Frame.HEADER_BYTES + length) {
                        int channel = Short.toUnsignedInt(buf.getShort(at + 2));
                        int command = Short.toUnsignedInt(buf.getShort(at + 4));
                        byte[] payload = new byte[length];
                        buf.position(at + Frame.HEADER_BYTES).get(payload);
                        return new Frame(channel, command, payload);
                    }
                }
                readMore();
            }
        }

        /** The next frame if it has this command; null (and nothing consumed) otherwise. */
        public Frame nextIf(int command) throws IOException, ProtocolException {
            int mark = buf.position();
            Frame f = next();
            if (f.command() == command) return f;
            buf.position(mark);
            return null;
        }

        private void readMore() throws IOException {
            if (buf.limit() == buf.capacity()) {
                // positions kept: nextIf() rewinds to a position taken before the read
                ByteBuffer bigger = ByteBuffer.allocate(buf.capacity() * 2);
                bigger.put(buf.duplicate().position(0)).limit(buf.limit()).position(buf.position());
                buf = bigger;
            }
            byte[] chunk = new byte[Math.min(8192, buf.capacity() - buf.limit())];
            int n = in.read(chunk);
            if (n < 0) throw new IOException("the remote side closed during the stripe handshake");
            int pos = buf.position();
            buf.position(buf.limit()).limit(buf.limit() + n);
            buf.put(chunk, 0, n).position(pos);
        }

        /** What was read past the frames returned so far. */
        public ByteBuffer rest() {
            return buf.slice();
        }
    }
}
