package dev.sshuttle.it.target;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.LongConsumer;
import java.util.zip.CRC32;

/**
 * Source: the client sends a decimal byte count and a newline; the service sends that many
 * {@link TestPattern} bytes and closes. Verify with {@link TestPattern#crc32(long)}.
 */
public final class SourceService extends TcpService {
    /** Upper bound on one request, so a typo cannot make a test stream for hours. */
    public static final long MAX_BYTES = 64L << 30;

    public SourceService(ServerSocket server) {
        super(server);
    }

    /** What one {@link #download} received: byte count, CRC32 of the bytes, and its duration. */
    public record Download(long bytes, long crc32, double seconds) {
        public double mbPerSecond() {
            return bytes / 1e6 / seconds;
        }

        /** Whether exactly the n pattern bytes arrived. */
        public boolean isPattern(long n) {
            return bytes == n && crc32 == TestPattern.crc32(n);
        }
    }

    /** Asks the source at the other end of s for n bytes and reads to EOF (s's timeout applies). */
    public static Download download(Socket s, long n) throws IOException {
        return download(s, n, bytesRead -> { });
    }

    /** As {@link #download(Socket, long)}, telling onRead the size of every read as it arrives (progress, pacing). */
    public static Download download(Socket s, long n, LongConsumer onRead) throws IOException {
        long t0 = System.nanoTime();
        s.getOutputStream().write(request(n));
        InputStream in = s.getInputStream();
        CRC32 crc = new CRC32();
        byte[] buf = new byte[1 << 16];
        long total = 0;
        for (int r; (r = in.read(buf)) > 0; total += r) {
            crc.update(buf, 0, r);
            onRead.accept(r);
        }
        return new Download(total, crc.getValue(), (System.nanoTime() - t0) / 1e9);
    }

    /** The request line asking for n bytes. */
    public static byte[] request(long n) {
        return (n + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    protected void serve(Socket s) throws IOException {
        long n = readCount(s.getInputStream());
        if (n < 0 || n > MAX_BYTES) {
            s.getOutputStream().write(("bad request: want a byte count 0.." + MAX_BYTES + "\n").getBytes(StandardCharsets.US_ASCII));
            return;
        }
        TestPattern.write(s.getOutputStream(), n);
        s.shutdownOutput();
    }

    private static long readCount(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != -1 && b != '\n'; ) {
            if (line.size() > 20) return -1;
            line.write(b);
        }
        try {
            return Long.parseLong(line.toString(StandardCharsets.US_ASCII).strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
