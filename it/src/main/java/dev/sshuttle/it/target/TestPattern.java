package dev.sshuttle.it.target;

import java.util.zip.CRC32;

/** The deterministic byte stream the source and HTTP services send: byte i is a function of i. */
public final class TestPattern {
    private TestPattern() {}

    public static byte at(long index) {
        return (byte) ((index * 31 + (index >>> 8) + 7) & 0xff);
    }

    /** Fills buf[0..len) with the pattern bytes starting at stream offset `offset`. */
    public static void fill(byte[] buf, int len, long offset) {
        for (int i = 0; i < len; i++) buf[i] = at(offset + i);
    }

    /** CRC32 of the first n pattern bytes, to compare with what a client received. */
    public static long crc32(long n) {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[64 * 1024];
        for (long done = 0; done < n; ) {
            int len = (int) Math.min(buf.length, n - done);
            fill(buf, len, done);
            crc.update(buf, 0, len);
            done += len;
        }
        return crc.getValue();
    }
}
