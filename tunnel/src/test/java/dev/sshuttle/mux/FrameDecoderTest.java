package dev.sshuttle.mux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
    private static final List<Frame> FRAMES = List.of(
            new Frame(0, Command.PING, "chicken".getBytes()),
            new Frame(1, Command.TCP_EOF, new byte[0]),
            new Frame(65535, Command.TCP_DATA, bytes(1)),
            new Frame(7, Command.TCP_DATA, bytes(300)),
            new Frame(2, Command.TCP_WINDOW, new byte[] {0, 1, 0, 0}));

    @Test
    void decodesTheSameFramesWhereverTheStreamIsCutInTwoOrThree() throws Exception {
        byte[] stream = encode(FRAMES);
        for (int i = 0; i <= stream.length; i++) {
            assertFrames(FRAMES, decode(stream, i, i), "cut at " + i);
            for (int j = i; j <= stream.length; j += 7) assertFrames(FRAMES, decode(stream, i, j), "cut at " + i + " and " + j);
        }
    }

    @Test
    void decodesAMaximumFrameFedOneByteAtATime() throws Exception {
        Frame big = new Frame(3, Command.TCP_DATA, bytes(Frame.MAX_PAYLOAD));
        byte[] stream = FrameEncoder.encode(big);
        assertEquals(Frame.HEADER_BYTES + Frame.MAX_PAYLOAD, stream.length);
        FrameDecoder decoder = new FrameDecoder();
        List<Frame> out = new ArrayList<>();
        for (byte b : stream) {
            assertTrue(out.isEmpty());
            decoder.decode(ByteBuffer.wrap(new byte[] {b}), CopyingSink.to(out::add));
        }
        assertFrames(List.of(big), out, "byte by byte");
        assertTrue(decoder.isIdle());
    }

    @Test
    void badMagicNamesTheBytesAndHowManyFramesCameBefore() throws Exception {
        FrameDecoder decoder = new FrameDecoder();
        List<Frame> out = new ArrayList<>();
        decoder.decode(ByteBuffer.wrap(FrameEncoder.encode(FRAMES.getFirst())), CopyingSink.to(out::add));
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> decoder.decode(ByteBuffer.wrap("HTTP/1.1 400".getBytes()), CopyingSink.to(out::add)));
        assertEquals("bad frame magic 0x4854 after 1 good frames (expected 'SS'): the stream is corrupt or not an sshuttle mux",
                e.getMessage());
        ProtocolException again = assertThrows(ProtocolException.class,
                () -> decoder.decode(ByteBuffer.wrap(FrameEncoder.encode(FRAMES.getFirst())), CopyingSink.to(out::add)));
        assertSame(e, again, "a decoder that saw a bad frame stays failed");
        assertEquals(1, out.size());
    }

    @Test
    void partialFrameIsNotIdle() throws Exception {
        FrameDecoder decoder = new FrameDecoder();
        decoder.decode(ByteBuffer.wrap(new byte[] {'S', 'S', 0}), (ch, cmd, p) -> {});
        assertTrue(!decoder.isIdle());
        assertEquals(0, decoder.framesDecoded());
    }

    private static List<Frame> decode(byte[] stream, int cut1, int cut2) throws ProtocolException {
        FrameDecoder decoder = new FrameDecoder();
        List<Frame> out = new ArrayList<>();
        decoder.decode(ByteBuffer.wrap(stream, 0, cut1), CopyingSink.to(out::add));
        decoder.decode(ByteBuffer.wrap(stream, cut1, cut2 - cut1), CopyingSink.to(out::add));
        decoder.decode(ByteBuffer.wrap(stream, cut2, stream.length - cut2), CopyingSink.to(out::add));
        assertTrue(decoder.isIdle());
        return out;
    }

    private static void assertFrames(List<Frame> expected, List<Frame> actual, String where) {
        assertEquals(expected.size(), actual.size(), where);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).channel(), actual.get(i).channel(), where);
            assertEquals(expected.get(i).command(), actual.get(i).command(), where);
            assertArrayEquals(expected.get(i).payload(), actual.get(i).payload(), where);
        }
    }

    private static byte[] encode(List<Frame> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Frame f : frames) out.writeBytes(FrameEncoder.encode(f));
        return out.toByteArray();
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + 7);
        return b;
    }
}
