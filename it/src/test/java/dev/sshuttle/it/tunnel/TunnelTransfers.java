package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sshuttle.it.target.SinkService;
import dev.sshuttle.it.target.SourceService;
import dev.sshuttle.it.target.TestPattern;
import dev.sshuttle.it.topology.Topology;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Byte-exact transfers through the tunnel from the client namespace, each checked for its
 * content and for ending with a clean EOF (a reset throws, a hang hits the read timeout).
 */
final class TunnelTransfers {
    /** What one transfer moved and how long it took. */
    record Transfer(String what, long bytes, double seconds) {
        double mbPerSecond() {
            return bytes / 1e6 / seconds;
        }

        Transfer print(String context) {
            if (bytes >= 100_000) {
                System.out.printf("%s: %s of %.1f MB in %.2f s (%.1f MB/s)%n", context, what, bytes / 1e6, seconds, mbPerSecond());
            } else {
                System.out.printf("%s: %s of %d B in %.0f ms%n", context, what, bytes, seconds * 1000);
            }
            return this;
        }
    }

    private TunnelTransfers() {}

    /** n pattern bytes to the sink; its receipt must match, then the sink's clean EOF. */
    static Transfer upload(Topology t, long n, Duration readTimeout) throws IOException {
        try (Socket s = t.client().connect(t.sink(), readTimeout)) {
            s.setSoTimeout((int) readTimeout.toMillis());
            long t0 = System.nanoTime();
            TestPattern.write(s.getOutputStream(), n);
            s.shutdownOutput();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String receipt = in.readLine();
            assertEquals(SinkService.receipt(n, TestPattern.crc32(n)).strip(), receipt == null ? null : receipt.strip(),
                    "the sink's receipt (bytes and CRC32 it got)");
            assertEquals(-1, in.read(), "after its receipt the sink closes: a clean EOF");
            return new Transfer("upload", n, (System.nanoTime() - t0) / 1e9);
        }
    }

    /** n pattern bytes from the source, read to a clean EOF; count and CRC32 must match. */
    static Transfer download(Topology t, long n, Duration readTimeout) throws IOException {
        try (Socket s = t.client().connect(t.source(), readTimeout)) {
            s.setSoTimeout((int) readTimeout.toMillis());
            SourceService.Download d = SourceService.download(s, n);
            assertEquals(n, d.bytes(), "bytes downloaded before EOF");
            assertEquals(TestPattern.crc32(n), d.crc32(), "CRC32 of the download");
            return new Transfer("download", n, d.seconds());
        }
    }

    /** Sends message, half-closes, and expects it back followed by the echo's own EOF. */
    static Transfer echoWithHalfClose(Topology t, String message, Duration readTimeout) throws IOException {
        try (Socket s = t.client().connect(t.echo(), readTimeout)) {
            s.setSoTimeout((int) readTimeout.toMillis());
            long t0 = System.nanoTime();
            byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
            s.getOutputStream().write(bytes);
            s.shutdownOutput();
            assertEquals(message, new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                    "echo after a half-close, up to its EOF");
            return new Transfer("echo", bytes.length, (System.nanoTime() - t0) / 1e9);
        }
    }
}
