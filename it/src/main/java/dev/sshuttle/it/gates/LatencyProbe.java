package dev.sshuttle.it.gates;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Assertions;

/**
 * Round-trip latency over an echo connection: send `payload` bytes, wait for them back, record
 * the time in an HdrHistogram (microseconds). Bounded by a sample count AND a time budget.
 */
public final class LatencyProbe {
    private static final long MAX_TRACKABLE_US = TimeUnit.MINUTES.toMicros(2);

    /** The measured round trips. */
    public record Report(Histogram histogram) {
        public long samples() {
            return histogram.getTotalCount();
        }

        /** The percentile (0..100) round trip. */
        public Duration percentile(double p) {
            return Duration.ofNanos(histogram.getValueAtPercentile(p) * 1000);
        }

        public Duration p50() {
            return percentile(50);
        }

        public Duration p99() {
            return percentile(99);
        }

        public Duration min() {
            return Duration.ofNanos(histogram.getMinValue() * 1000);
        }

        public Duration max() {
            return Duration.ofNanos(histogram.getMaxValue() * 1000);
        }

        /** "n=200 min=.. p50=.. p90=.. p99=.. p99.9=.. max=.. (ms)". */
        public String summary() {
            return String.format("n=%d min=%.2f p50=%.2f p90=%.2f p99=%.2f p99.9=%.2f max=%.2f ms", samples(),
                    ms(histogram.getMinValue()), ms(histogram.getValueAtPercentile(50)),
                    ms(histogram.getValueAtPercentile(90)), ms(histogram.getValueAtPercentile(99)),
                    ms(histogram.getValueAtPercentile(99.9)), ms(histogram.getMaxValue()));
        }

        /** Fails when the p-th percentile round trip exceeds limit; `what` names the path measured. */
        public void assertPercentileBelow(double p, Duration limit, String what) {
            Duration got = percentile(p);
            if (got.compareTo(limit) > 0) {
                Assertions.fail("latency too high on " + what + ": p" + p + " = " + got.toNanos() / 1e6
                        + " ms > limit " + limit.toNanos() / 1e6 + " ms; " + summary());
            }
        }

        private static double ms(long micros) {
            return micros / 1000.0;
        }
    }

    private LatencyProbe() {}

    /**
     * Ping-pongs over an established connection to an echo service: at most `count` round trips
     * of `payload` bytes, stopping early when `budget` is spent. Fails on a wrong echo.
     */
    public static Report pingPong(Socket echo, int count, int payload, Duration budget) throws IOException {
        Histogram h = new Histogram(MAX_TRACKABLE_US, 3);
        byte[] out = new byte[payload];
        byte[] in = new byte[payload];
        OutputStream os = echo.getOutputStream();
        InputStream is = echo.getInputStream();
        long deadline = System.nanoTime() + budget.toNanos();
        for (int i = 0; i < count && System.nanoTime() < deadline; i++) {
            for (int j = 0; j < payload; j++) out[j] = (byte) (i + j);
            long t0 = System.nanoTime();
            os.write(out);
            os.flush();
            if (is.readNBytes(in, 0, payload) < payload) throw new EOFException("echo closed after " + i + " round trips");
            h.recordValue(Math.min(MAX_TRACKABLE_US, (System.nanoTime() - t0) / 1000));
            if (!java.util.Arrays.equals(out, in)) throw new IOException("echo returned different bytes at round trip " + i);
        }
        return new Report(h);
    }
}
