package dev.sshuttle.it.gates;

import dev.sshuttle.it.topology.Topology;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Assertions;

/**
 * Round trips through the tunnel, idle and beside a bulk download, next to the direct path
 * (gateway to target echo) measured in the same run, so a loaded machine moves both alike.
 */
public record LatencyComparison(LatencyProbe.Report direct, LatencyProbe.Report idle, LatencyProbe.Report underBulk,
                                double bulkMbPerSecond) {
    private static final int PAYLOAD = 64;
    private static final Duration IO_TIMEOUT = Duration.ofSeconds(10);
    private static final long BULK_CHUNK_BYTES = 1L << 30;

    /** Measures the three paths, `samples` round trips each, each within `budget`. */
    public static LatencyComparison measure(Topology t, int samples, Duration budget) throws IOException {
        LatencyProbe.Report direct = probe(t.gateway().connect(t.echo(), IO_TIMEOUT), samples, budget);
        LatencyProbe.Report idle = probe(t.client().connect(t.echo(), IO_TIMEOUT), samples, budget);
        try (BulkTransfer bulk = BulkTransfer.start(t.client().threadFactory(), t.source(), BULK_CHUNK_BYTES, budget.plus(budget))) {
            // the bulk transfer has to be moving before the probe means anything
            if (!Poll.until(bulk::bytes, b -> b >= 4L << 20, IO_TIMEOUT).ok()) {
                Assertions.fail("the bulk download beside the latency probe did not start: " + bulk.lastError());
            }
            LatencyProbe.Report underBulk = probe(t.client().connect(t.echo(), IO_TIMEOUT), samples, budget);
            double mbs = bulk.mbPerSecond();
            if (bulk.errors() > 0) Assertions.fail("the bulk download beside the latency probe failed: " + bulk.lastError());
            return new LatencyComparison(direct, idle, underBulk, mbs);
        }
    }

    /** Round trips over one echo connection; the socket is closed afterwards. */
    public static LatencyProbe.Report probe(Socket echo, int samples, Duration budget) throws IOException {
        try (echo) {
            echo.setSoTimeout((int) IO_TIMEOUT.toMillis());
            echo.setTcpNoDelay(true);
            return LatencyProbe.pingPong(echo, samples, PAYLOAD, budget);
        }
    }

    /** "p50/p99 ms: direct 0.08/0.30, tunnel idle 4.1/9.0 (x51/x30), beside bulk 7.5/40.2 (x94/x134) at 90 MB/s". */
    public String summary() {
        return String.format("p50/p99 ms: direct %s, tunnel idle %s (%s), beside bulk %s (%s) at %.0f MB/s",
                ms(direct), ms(idle), ratios(idle), ms(underBulk), ratios(underBulk), bulkMbPerSecond);
    }

    /**
     * Fails when the idle tunnel's p99 exceeds the direct p99 by more than `idleOverDirect`, or
     * the p99 beside the bulk transfer exceeds `besideBulk`.
     */
    public void assertWithin(Duration idleOverDirect, Duration besideBulk) {
        idle.assertPercentileBelow(99, direct.p99().plus(idleOverDirect), "the idle tunnel (direct p99 + " + idleOverDirect.toMillis() + " ms)");
        underBulk.assertPercentileBelow(99, besideBulk, "the tunnel beside a bulk download");
    }

    private static String ms(LatencyProbe.Report r) {
        return String.format("%.2f/%.2f", r.p50().toNanos() / 1e6, r.p99().toNanos() / 1e6);
    }

    private String ratios(LatencyProbe.Report r) {
        return String.format("x%.1f/x%.1f", ratio(r.p50(), direct.p50()), ratio(r.p99(), direct.p99()));
    }

    private static double ratio(Duration a, Duration b) {
        return a.toNanos() / (double) Math.max(1, b.toNanos());
    }
}
