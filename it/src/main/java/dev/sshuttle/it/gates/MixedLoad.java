package dev.sshuttle.it.gates;

import dev.sshuttle.it.topology.Topology;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assertions;

/**
 * N connections of every {@link ConnectionKind} in turn (normal, client reset, server reset,
 * half-close, refused), `concurrency` at a time, opened from inside a namespace. Bounded by the
 * count AND a time budget. Counts outcomes per kind, so a gate can say which kind misbehaved.
 */
public final class MixedLoad {
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final int READ_TIMEOUT_MS = 10_000;
    private static final int MAX_PAYLOAD = 8 * 1024;

    /** The services the kinds talk to. */
    public record Targets(InetSocketAddress echo, InetSocketAddress sink, InetSocketAddress reset, InetSocketAddress closed) {
        public static Targets of(Topology t) {
            return new Targets(t.echo(), t.sink(), t.reset(), t.closedPort());
        }
    }

    /** One kind's outcomes: how many ran, how many behaved, and what the others did instead. */
    public record KindCount(int attempted, int asExpected, Map<String, Integer> unexpected) {
        static final KindCount NONE = new KindCount(0, 0, Map.of());

        KindCount plus(KindCount o) {
            Map<String, Integer> u = new TreeMap<>(unexpected);
            o.unexpected.forEach((k, n) -> u.merge(k, n, Integer::sum));
            return new KindCount(attempted + o.attempted, asExpected + o.asExpected, Map.copyOf(u));
        }
    }

    /** What a run did. */
    public record Result(Map<ConnectionKind, KindCount> kinds, long payloadBytes, Duration elapsed) {
        public static final Result EMPTY = new Result(Map.of(), 0, Duration.ZERO);

        public int attempted() {
            return kinds.values().stream().mapToInt(KindCount::attempted).sum();
        }

        public int unexpected() {
            return kinds.values().stream().mapToInt(k -> k.attempted() - k.asExpected()).sum();
        }

        public KindCount kind(ConnectionKind k) {
            return kinds.getOrDefault(k, KindCount.NONE);
        }

        /** Two runs together (the soak adds up its rounds). */
        public Result plus(Result o) {
            Map<ConnectionKind, KindCount> sum = new EnumMap<>(ConnectionKind.class);
            for (ConnectionKind k : ConnectionKind.values()) {
                KindCount c = kind(k).plus(o.kind(k));
                if (c.attempted() > 0) sum.put(k, c);
            }
            return new Result(Map.copyOf(sum), payloadBytes + o.payloadBytes, elapsed.plus(o.elapsed));
        }

        /** "normal 600, client-reset 600, server-reset 600, half-close 600, refused 600". */
        public String perKind() {
            return java.util.Arrays.stream(ConnectionKind.values())
                    .map(k -> k.label() + " " + kind(k).attempted()).collect(Collectors.joining(", "));
        }

        @Override
        public String toString() {
            return attempted() + " mixed connections (" + perKind() + "; " + unexpected() + " unexpected) in "
                    + elapsed.toMillis() + " ms";
        }

        /**
         * Fails unless `wanted` connections ran and each behaved as its kind expects; names the
         * kinds that did not and what they did instead.
         */
        public void assertAllAsExpected(int wanted, String where) {
            StringBuilder m = new StringBuilder();
            if (attempted() < wanted) m.append("\n  only ").append(attempted()).append(" of ").append(wanted).append(" connections ran within the time budget");
            for (ConnectionKind k : ConnectionKind.values()) {
                KindCount c = kind(k);
                if (c.asExpected() < c.attempted()) {
                    m.append("\n  ").append(k.label()).append(": ").append(c.attempted() - c.asExpected()).append(" of ")
                            .append(c.attempted()).append(" misbehaved: ").append(c.unexpected());
                }
            }
            if (!m.isEmpty()) Assertions.fail("mixed load " + where + ": " + this + m);
        }
    }

    private MixedLoad() {}

    /**
     * Runs `connections` connections (kinds in turn), `concurrency` at a time, on threads from
     * `threads` ({@code ns.threadFactory()} for a namespace); stops starting new ones when
     * `budget` is spent.
     */
    public static Result run(ThreadFactory threads, Targets targets, int connections, int concurrency, Duration budget) {
        ConnectionKind[] kinds = ConnectionKind.values();
        Map<ConnectionKind, Tally> tallies = new EnumMap<>(ConnectionKind.class);
        for (ConnectionKind k : kinds) tallies.put(k, new Tally());
        AtomicInteger next = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        long start = System.nanoTime();
        long deadline = start + budget.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, threads);
        for (int w = 0; w < concurrency; w++) {
            pool.execute(() -> {
                for (int i; System.nanoTime() < deadline && (i = next.getAndIncrement()) < connections; ) {
                    ConnectionKind kind = kinds[i % kinds.length];
                    byte[] payload = payload(i);
                    tallies.get(kind).record(oneConnection(kind, targets, payload));
                    bytes.addAndGet(payload.length);
                }
            });
        }
        pool.shutdown();
        try {
            if (!pool.awaitTermination(budget.toMillis() + 2L * READ_TIMEOUT_MS + CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
        Map<ConnectionKind, KindCount> counts = new EnumMap<>(ConnectionKind.class);
        tallies.forEach((k, t) -> {
            KindCount c = t.snapshot();
            if (c.attempted() > 0) counts.put(k, c);
        });
        return new Result(Map.copyOf(counts), bytes.get(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** 1 byte .. 8 KiB, size and bytes varied by index. */
    static byte[] payload(int i) {
        byte[] p = new byte[1 + (int) ((i * 7919L) % MAX_PAYLOAD)];
        for (int j = 0; j < p.length; j++) p[j] = (byte) (i + j + 1);
        return p;
    }

    /** null when the connection behaved as its kind expects, else what happened. */
    private static String oneConnection(ConnectionKind kind, Targets targets, byte[] payload) {
        try (Socket s = new Socket()) {
            s.setSoTimeout(READ_TIMEOUT_MS);
            try {
                s.connect(kind.target(targets), CONNECT_TIMEOUT_MS);
            } catch (ConnectException refused) {
                return kind == ConnectionKind.REFUSED ? null : "connect: " + refused.getMessage();
            } catch (SocketException reset) {
                // the tunnel resets a refused connection within a round trip; on a busy machine the
                // reset can land before this thread returns from connect(), which then reports it
                boolean asExpected = kind == ConnectionKind.REFUSED && String.valueOf(reset.getMessage()).contains("reset");
                return asExpected ? null : "connect: " + reset;
            }
            return kind.exchange(s, payload);
        } catch (IOException | RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /** One kind's counters, shared by the workers. */
    private static final class Tally {
        private int attempted;
        private int asExpected;
        private final Map<String, Integer> unexpected = new TreeMap<>();

        synchronized void record(String outcome) {
            attempted++;
            if (outcome == null) asExpected++;
            else unexpected.merge(outcome, 1, Integer::sum);
        }

        synchronized KindCount snapshot() {
            return new KindCount(attempted, asExpected, Map.copyOf(unexpected));
        }
    }
}
