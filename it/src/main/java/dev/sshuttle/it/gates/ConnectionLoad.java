package dev.sshuttle.it.gates;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Many short echo connections, `concurrency` at a time, each opened from inside a namespace:
 * connect, send `payload` bytes, read them back, close. Bounded by a connection count AND a
 * time budget. Counts failures by exception type, so a test can say what went wrong, and
 * records each successful connection's time from connect() to the first echoed byte.
 */
public final class ConnectionLoad {
    /** How a connection ends once its bytes came back. */
    public enum Ending {
        /** shutdownOutput after sending, read the echo and the echo's EOF, then close: checks the half-close too. */
        HALF_CLOSE_THEN_EOF,
        /** read the echo, then close at once: the shortest connection an application makes. */
        CLOSE_AFTER_ECHO
    }

    /** What a load run did; firstEchoMicros: connect() to the first echoed byte, per successful connection. */
    public record Result(int attempted, int succeeded, Map<String, Integer> failures, Duration elapsed, long bytesEchoed,
                         Histogram firstEchoMicros) {
        public int failed() {
            return attempted - succeeded;
        }

        public double connectionsPerSecond() {
            return succeeded / Math.max(1e-9, elapsed.toNanos() / 1e9);
        }

        /** The connect -> first echo times as percentiles. */
        public LatencyProbe.Report firstEcho() {
            return new LatencyProbe.Report(firstEchoMicros);
        }

        @Override
        public String toString() {
            return String.format("%d/%d connections ok in %d ms (%.0f/s), failures %s", succeeded, attempted,
                    elapsed.toMillis(), connectionsPerSecond(), failures);
        }
    }

    private ConnectionLoad() {}

    /** As {@link #run(ThreadFactory, InetSocketAddress, int, int, int, Duration, Ending)}, each ending with a half-close. */
    public static Result run(ThreadFactory threads, InetSocketAddress echo, int connections, int concurrency,
                             int payload, Duration budget) {
        return run(threads, echo, connections, concurrency, payload, budget, Ending.HALF_CLOSE_THEN_EOF);
    }

    /**
     * Runs the load. threads is where sockets are created: {@code ns.threadFactory()} for a
     * namespace, or {@code Thread.ofPlatform().factory()} for the JVM's own.
     */
    public static Result run(ThreadFactory threads, InetSocketAddress echo, int connections, int concurrency,
                             int payload, Duration budget, Ending ending) {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        Map<String, Integer> failures = new TreeMap<>();
        List<Histogram> perWorker = new ArrayList<>();
        long start = System.nanoTime();
        long deadline = start + budget.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, threads);
        for (int w = 0; w < concurrency; w++) {
            Histogram firstEcho = LatencyProbe.histogram();
            perWorker.add(firstEcho);
            pool.execute(() -> {
                byte[] out = new byte[payload];
                byte[] in = new byte[payload];
                while (System.nanoTime() < deadline && next.getAndIncrement() < connections) {
                    try {
                        firstEcho.recordValue(LatencyProbe.micros(oneConnection(echo, out, in, ending)));
                        ok.incrementAndGet();
                        bytes.addAndGet(payload);
                    } catch (IOException | RuntimeException e) {
                        synchronized (failures) {
                            failures.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1, Integer::sum);
                        }
                    }
                }
            });
        }
        pool.shutdown();
        try {
            if (!pool.awaitTermination(budget.toMillis() + 30_000, TimeUnit.MILLISECONDS)) pool.shutdownNow();
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
        int attempted = Math.min(next.get(), connections);
        Histogram firstEcho = LatencyProbe.histogram();
        perWorker.forEach(firstEcho::add);
        synchronized (failures) {
            return new Result(attempted, ok.get(), Map.copyOf(failures), Duration.ofNanos(System.nanoTime() - start), bytes.get(), firstEcho);
        }
    }

    /** One connection; returns the nanoseconds from connect() to the first echoed byte. */
    private static long oneConnection(InetSocketAddress echo, byte[] out, byte[] in, Ending ending) throws IOException {
        try (Socket s = new Socket()) {
            long t0 = System.nanoTime();
            s.connect(echo, 5000);
            s.setSoTimeout(10_000);
            s.setTcpNoDelay(true);
            Arrays.fill(out, (byte) s.getLocalPort());
            s.getOutputStream().write(out);
            if (ending == Ending.HALF_CLOSE_THEN_EOF) s.shutdownOutput();
            int first = s.getInputStream().read(in, 0, in.length);
            long firstEchoNanos = System.nanoTime() - t0;
            int got = first <= 0 ? 0 : first + s.getInputStream().readNBytes(in, first, in.length - first);
            if (got != out.length || !Arrays.equals(in, out)) throw new IOException("echo returned " + got + " of " + out.length + " bytes or different ones");
            if (ending == Ending.HALF_CLOSE_THEN_EOF && s.getInputStream().read() != -1) throw new IOException("echo sent more than it received");
            return firstEchoNanos;
        }
    }
}
