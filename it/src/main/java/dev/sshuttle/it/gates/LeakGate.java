package dev.sshuttle.it.gates;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assertions;

/**
 * Resource gates: take a {@link Baseline} of a process before the load, and after it assert that
 * fds and RSS come back. Failures name the process and what grew ("socket +998").
 */
public final class LeakGate {
    /** A process's resources at one moment. */
    public record Baseline(long pid, String what, int fds, Map<String, Integer> fdKinds, long rssKb) {}

    private LeakGate() {}

    /** Snapshot of pid; `what` names it in failure messages (e.g. "sshuttle client"). */
    public static Baseline baseline(long pid, String what) {
        return new Baseline(pid, what, ProcessGauge.fdCount(pid), ProcessGauge.fdKinds(pid), ProcessGauge.rssKb(pid));
    }

    /**
     * Waits (at most `within`) until the fd count of the baseline's process is at most
     * baseline + tolerance; fails naming the kinds of fd that grew.
     */
    public static void assertFdsReturn(Baseline base, int tolerance, Duration within) {
        Poll.Outcome<Integer> o = Poll.until(() -> ProcessGauge.fdCount(base.pid()), n -> n <= base.fds() + tolerance, within);
        if (!o.ok()) Assertions.fail(fdLeakMessage(base, o.last(), tolerance, within));
    }

    /** Waits (at most `within`) until RSS is at most baseline + maxGrowthKb. */
    public static void assertRssReturns(Baseline base, long maxGrowthKb, Duration within) {
        Poll.Outcome<Long> o = Poll.until(() -> ProcessGauge.rssKb(base.pid()), kb -> kb <= base.rssKb() + maxGrowthKb, within);
        Long last = o.last();
        if (!o.ok()) {
            Assertions.fail("memory growth in " + base.what() + " (pid " + base.pid() + "): RSS " + last
                    + " KiB, baseline " + base.rssKb() + " KiB (+" + (last == null ? "?" : last - base.rssKb())
                    + " KiB > allowed " + maxGrowthKb + " KiB) still after " + within);
        }
    }

    static String fdLeakMessage(Baseline base, Integer now, int tolerance, Duration within) {
        if (now == null) return base.what() + " (pid " + base.pid() + ") could not be measured: has it exited?";
        Map<String, Integer> grew = new TreeMap<>();
        try {
            ProcessGauge.fdKinds(base.pid()).forEach((k, n) -> {
                int delta = n - base.fdKinds().getOrDefault(k, 0);
                if (delta > 0) grew.put(k, delta);
            });
        } catch (IllegalStateException exited) {
            // message below still says how many
        }
        StringBuilder m = new StringBuilder("fd leak in ").append(base.what()).append(" (pid ").append(base.pid())
                .append("): ").append(now).append(" fds open, baseline ").append(base.fds()).append(" (+")
                .append(now - base.fds()).append(" > tolerance ").append(tolerance).append(") still after ").append(within);
        if (!grew.isEmpty()) {
            m.append("; grew:");
            grew.forEach((k, d) -> m.append(' ').append(k).append(" +").append(d));
        }
        return m.toString();
    }
}
