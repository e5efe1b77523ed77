package dev.sshuttle.sim;

/**
 * The content of every simulated stream: byte {@code i} of stream {@code key} is a hash of both,
 * so a lost, duplicated, reordered or misrouted byte shows up as a mismatch without storing
 * what was sent.
 */
final class Pattern {
    private Pattern() {}

    static byte at(long key, long offset) {
        long x = (offset >>> 2) * 0x9E3779B97F4A7C15L + key;
        x ^= x >>> 29;
        x *= 0xBF58476D1CE4E5B9L;
        return (byte) ((x >>> (32 + 8 * (offset & 3))) ^ offset);
    }

    static void fill(byte[] dst, int length, long key, long offset) {
        for (int i = 0; i < length; i++) dst[i] = at(key, offset + i);
    }

    /** Index of the first byte of {@code data} that differs from the stream at {@code offset}, or -1. */
    static int firstMismatch(byte[] data, long key, long offset) {
        for (int i = 0; i < data.length; i++) {
            if (data[i] != at(key, offset + i)) return i;
        }
        return -1;
    }

    /** The stream key of one direction of one simulated stream. */
    static long key(int streamId, boolean clientToServer) {
        return streamId * 2L + (clientToServer ? 0 : 1);
    }
}
