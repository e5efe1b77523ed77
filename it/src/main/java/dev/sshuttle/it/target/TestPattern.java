package dev.sshuttle.it.target;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

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

    /** Writes the first n pattern bytes to out, 64 KiB at a time. */
    public static void write(OutputStream out, long n) throws IOException {
        byte[] buf = new byte[64 * 1024];
        for (long sent = 0; sent < n; ) {
            int len = (int) Math.min(buf.length, n - sent);
            fill(buf, len, sent);
            out.write(buf, 0, len);
            sent += len;
        }
    }

    /** CRC32 of the first n pattern bytes, to compare with what a client received. */
    public static long crc32(long n) {
        CheckedOutputStream out = new CheckedOutputStream(OutputStream.nullOutputStream(), new CRC32());
        try {
            write(out, n);
        } catch (IOException e) {
            throw new UncheckedIOException("the null stream cannot fail", e);
        }
        return out.getChecksum().getValue();
    }
}
