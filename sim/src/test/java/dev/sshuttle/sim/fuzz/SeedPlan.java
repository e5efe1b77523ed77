package dev.sshuttle.sim.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;
import java.util.stream.LongStream;

/**
 * The seeds a fuzz test runs: the fixed seeds 1..N and as many from a fresh base, printed, so
 * every CI run covers new ground and any failure names its seed. For a test named {@code NAME}:
 * {@code -DNAME.seed=S} replays one seed alone, {@code -DNAME.base=B} pins the fresh base, and
 * N comes from the test's own count property.
 */
public final class SeedPlan {
    private final int count;
    private final long fresh;

    private SeedPlan(int count, long fresh) {
        this.count = count;
        this.fresh = fresh;
    }

    /**
     * The plan from the system properties: N from {@code countProperty} (default {@code defaultCount}),
     * the fresh base drawn from the clock unless {@code NAME.base} is set, times {@code stride} so
     * that fresh seeds never meet the fixed ones.
     */
    public static SeedPlan fromProperties(String name, String countProperty, int defaultCount, long stride) {
        int count = Integer.getInteger(countProperty, defaultCount);
        long base = Long.getLong(name + ".base", (System.nanoTime() ^ System.currentTimeMillis()) & 0xffffffffL);
        return new SeedPlan(count, base * stride);
    }

    /** The one seed {@code -DNAME.seed=S} asks to replay, if any. */
    public static OptionalLong replay(String name) {
        String only = System.getProperty(name + ".seed");
        return only == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(only));
    }

    /** 1..N, then fresh..fresh+N-1. */
    public long[] seeds() {
        return LongStream.concat(LongStream.range(1, 1 + count), LongStream.range(fresh, fresh + count)).toArray();
    }

    public int size() {
        return 2 * count;
    }

    /** "seeds 1..N and B..B+N-1", for the summary line. */
    public String describe() {
        return "seeds 1.." + count + " and " + fresh + ".." + (fresh + count - 1);
    }

    /** Failures of a plan: the first few in full (shrunk, the costly part), the rest in one line each. */
    public static final class Failures {
        private final int shownInFull;
        private final List<String> lines = new ArrayList<>();

        public Failures(int shownInFull) {
            this.shownInFull = shownInFull;
        }

        public void add(Supplier<String> inFull, String inOneLine) {
            lines.add(lines.size() < shownInFull ? inFull.get() : inOneLine);
        }

        public int size() {
            return lines.size();
        }

        public boolean isEmpty() {
            return lines.isEmpty();
        }

        @Override
        public String toString() {
            return String.join("\n", lines);
        }
    }
}
