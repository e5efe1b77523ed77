package dev.sshuttle.it.gates;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many short echo connections, `concurrency` at a time, each opened from inside a namespace:
 * connect, send `payload` bytes, read them back, close. Bounded by a connection count AND a
 * time budget. Counts failures by exception type, so a test can say what went wrong.
 */
public final class ConnectionLoad {
    /** What a load run did. */
    public record Result(int attempted, int succeeded, Map<String, Integer> failures, Duration elapsed, long bytesEchoed) {
        public int failed() {
            return attempted - succeeded;
        }

        public double connectionsPerSecond() {
            return succeeded / Math.max(1e-9, elapsed.toNanos() / 1e9);
        }

        @Override
        public String toString() {
            return String.format("%d/%d connections ok in %d ms (%.0f/s), failures %s", succeeded, attempted,
                    elapsed.toMillis(), connectionsPerSecond(), failures);
        }
    }

    private ConnectionLoad() {}

    /**
     * Runs the load. threads is where sockets are created: {@code ns.threadFactory()} for a
     * namespace, or {@code Thread.ofPlatform().factory()} for the JVM's own.
     */
    public static Result run(ThreadFactory threads, InetSocketAddress echo, int connections, int concurrency,
                             int payload, Duration budget) {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        Map<String, Integer> failures = new TreeMap<>();
        long start = System.nanoTime();
        long deadline = start + budget.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, threads);
        for (int w = 0; w < concurrency; w++) {
            pool.execute(() -> {
                byte[] out = new byte[payload];
                byte[] in = new byte[payload];
                while (System.nanoTime() < deadline && next.getAndIncrement() < connections) {
                    try {
                        oneConnection(echo, out, in);
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
        synchronized (failures) {
            return new Result(attempted, ok.get(), Map.copyOf(failures), Duration.ofNanos(System.nanoTime() - start), bytes.get());
        }
    }

    private static void oneConnection(InetSocketAddress echo, byte[] out, byte[] in) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(echo, 5000);
            s.setSoTimeout(10_000);
            Arrays.fill(out, (byte) s.getLocalPort());
            s.getOutputStream().write(out);
            s.shutdownOutput();
            int got = s.getInputStream().readNBytes(in, 0, in.length);
            if (got != out.length || !Arrays.equals(in, out)) throw new IOException("echo returned " + got + " of " + out.length + " bytes or different ones");
            if (s.getInputStream().read() != -1) throw new IOException("echo sent more than it received");
        }
    }
}
