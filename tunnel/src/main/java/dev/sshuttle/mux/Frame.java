package dev.sshuttle.mux;

import java.nio.charset.StandardCharsets;

/** One decoded frame. The payload array is owned by the frame (never reused by the decoder). */
public record Frame(int channel, int command, byte[] payload) {
    public static final int HEADER_BYTES = 8;
    public static final int MAX_PAYLOAD = 65535;
    public static final int MAX_CHANNEL = 65535;
    static final byte MAGIC = 'S';

    public Frame {
        if (channel < 0 || channel > MAX_CHANNEL) throw new IllegalArgumentException("channel " + channel);
        if (payload.length > MAX_PAYLOAD) throw new IllegalArgumentException("payload " + payload.length);
    }

    public static Frame of(int channel, int command, String ascii) {
        return new Frame(channel, command, ascii.getBytes(StandardCharsets.US_ASCII));
    }

    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "Frame[ch=" + channel + " " + Command.name(command) + " len=" + payload.length + "]";
    }
}
