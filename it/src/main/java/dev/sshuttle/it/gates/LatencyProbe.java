package dev.sshuttle.it.gates;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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

    /** An empty histogram of microseconds as every probe here records them (up to 2 minutes, 3 digits). */
    public static Histogram histogram() {
        return new Histogram(MAX_TRACKABLE_US, 3);
    }

    /** nanoseconds as the microseconds a {@link #histogram()} records, capped at its maximum. */
    public static long micros(long nanos) {
        return Math.min(MAX_TRACKABLE_US, Math.max(0, nanos / 1000));
    }

    /**
     * Ping-pongs over an established connection to an echo service: at most `count` round trips
     * of `payload` bytes, stopping early when `budget` is spent. Fails on a wrong echo.
     */
    public static Report pingPong(Socket echo, int count, int payload, Duration budget) throws IOException {
        return paced(echo, count, payload, Duration.ZERO, budget);
    }

    /**
     * As {@link #pingPong}, one round trip every `interval` (a ping beside other traffic rather
     * than back to back): round trip i starts at start + i * interval, or at once when the one
     * before came back later than that.
     */
    public static Report paced(Socket echo, int count, int payload, Duration interval, Duration budget) throws IOException {
        Histogram h = histogram();
        byte[] out = new byte[payload];
        byte[] in = new byte[payload];
        OutputStream os = echo.getOutputStream();
        InputStream is = echo.getInputStream();
        long start = System.nanoTime();
        long deadline = start + budget.toNanos();
        for (int i = 0; i < count && System.nanoTime() < deadline; i++) {
            long due = start + i * interval.toNanos();
            if (due > System.nanoTime()) LockSupport.parkNanos(due - System.nanoTime());
            for (int j = 0; j < payload; j++) out[j] = (byte) (i + j);
            long t0 = System.nanoTime();
            os.write(out);
            os.flush();
            if (is.readNBytes(in, 0, payload) < payload) throw new EOFException("echo closed after " + i + " round trips");
            h.recordValue(micros(System.nanoTime() - t0));
            if (!java.util.Arrays.equals(out, in)) throw new IOException("echo returned different bytes at round trip " + i);
        }
        return new Report(h);
    }
}
