package dev.sshuttle.it.target;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * Sink: reads until the client's EOF, then answers one line {@code "<bytes> <crc32 hex>\n"} and
 * closes. Clients check the line against what they sent; tests can also read the totals.
 */
public final class SinkService extends TcpService {
    private final AtomicLong totalBytes = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();

    public SinkService(ServerSocket server) {
        super(server);
    }

    /** The reply line a client should expect for this payload. */
    public static String receipt(long bytes, long crc32) {
        return bytes + " " + Long.toHexString(crc32) + "\n";
    }

    @Override
    protected void serve(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        CRC32 crc = new CRC32();
        long count = 0;
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) {
            crc.update(buf, 0, n);
            count += n;
            totalBytes.addAndGet(n);
        }
        s.getOutputStream().write(receipt(count, crc.getValue()).getBytes(StandardCharsets.US_ASCII));
        s.shutdownOutput();
        completed.incrementAndGet();
    }

    /** Bytes received over all connections. */
    public long totalBytes() {
        return totalBytes.get();
    }

    /** Connections that reached EOF and got their receipt. */
    public long completed() {
        return completed.get();
    }
}
