package dev.sshuttle.mux;

import java.nio.ByteBuffer;

/** Writes frames into a buffer. Stateless. */
public final class FrameEncoder {
    private FrameEncoder() {}

    public static void writeHeader(ByteBuffer out, int channel, int command, int length) {
        out.put(Frame.MAGIC).put(Frame.MAGIC)
                .putShort((short) channel).putShort((short) command).putShort((short) length);
    }

    public static void write(ByteBuffer out, int channel, int command, byte[] payload, int offset, int length) {
        writeHeader(out, channel, command, length);
        out.put(payload, offset, length);
    }

    public static void write(ByteBuffer out, Frame frame) {
        write(out, frame.channel(), frame.command(), frame.payload(), 0, frame.payload().length);
    }

    public static byte[] encode(Frame frame) {
        ByteBuffer out = ByteBuffer.allocate(Frame.HEADER_BYTES + frame.payload().length);
        write(out, frame);
        return out.array();
    }
}
