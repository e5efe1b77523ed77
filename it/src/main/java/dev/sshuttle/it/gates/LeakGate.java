package dev.sshuttle.it.gates;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assertions;

/**
 * Resource gates: take a {@link Baseline} of a process before the load, and after it assert that
 * fds and RSS come back. Failures name the process and what grew ("30 x socket (socket:[8812], ...)").
 */
public final class LeakGate {
    /** A process's resources at one moment: its fds (number to readlink target) and RSS. */
    public record Baseline(long pid, String what, Map<Integer, String> fdTargets, long rssKb) {
        public int fds() {
            return fdTargets.size();
        }
    }

    private static final int EXAMPLES_PER_KIND = 3;

    private LeakGate() {}

    /** Snapshot of pid; `what` names it in failure messages (e.g. "sshuttle client"). */
    public static Baseline baseline(long pid, String what) {
        return new Baseline(pid, what, ProcessGauge.fdTargets(pid), ProcessGauge.rssKb(pid));
    }

    /**
     * Waits (at most `within`) until the fd count of the baseline's process is at most
     * baseline + tolerance; fails naming the kinds of fd that grew.
     */
    public static void assertFdsReturn(Baseline base, int tolerance, Duration within) {
        assertFdsReturn(base, tolerance, within, "now");
    }

    /**
     * As {@link #assertFdsReturn(Baseline, int, Duration)}; `after` says what ran since the
     * baseline ("after 3000 mixed connections") for the failure message.
     */
    public static void assertFdsReturn(Baseline base, int tolerance, Duration within, String after) {
        Poll.Outcome<Integer> o = Poll.until(() -> ProcessGauge.fdCount(base.pid()), n -> n <= base.fds() + tolerance, within);
        if (!o.ok()) Assertions.fail(fdLeakMessage(base, o.last(), tolerance, within, after));
    }

    /** Waits (at most `within`) until RSS is at most baseline + maxGrowthKb. */
    public static void assertRssReturns(Baseline base, long maxGrowthKb, Duration within) {
        assertRssReturns(base, maxGrowthKb, within, "now");
    }

    /** As {@link #assertRssReturns(Baseline, long, Duration)}; `after` says what ran since the baseline. */
    public static void assertRssReturns(Baseline base, long maxGrowthKb, Duration within, String after) {
        Poll.Outcome<Long> o = Poll.until(() -> ProcessGauge.rssKb(base.pid()), kb -> kb <= base.rssKb() + maxGrowthKb, within);
        Long last = o.last();
        if (!o.ok()) {
            Assertions.fail("memory growth in " + base.what() + " (pid " + base.pid() + "): RSS baseline "
                    + base.rssKb() + " KiB, " + after + " " + last + " KiB (+" + (last == null ? "?" : last - base.rssKb())
                    + " KiB > allowed " + maxGrowthKb + " KiB, still " + within.toSeconds() + " s later)");
        }
    }

    /**
     * "fd leak in the client (pid 123): baseline 41, after 3000 mixed connections 71 (+30 >
     * tolerance 8, still 30 s later): 30 x socket (socket:[8812], socket:[8815], ...)".
     */
    static String fdLeakMessage(Baseline base, Integer now, int tolerance, Duration within, String after) {
        if (now == null) return base.what() + " (pid " + base.pid() + ") could not be measured: has it exited?";
        StringBuilder m = new StringBuilder("fd leak in ").append(base.what()).append(" (pid ").append(base.pid())
                .append("): baseline ").append(base.fds()).append(", ").append(after).append(' ').append(now)
                .append(" (+").append(now - base.fds()).append(" > tolerance ").append(tolerance)
                .append(", still ").append(within.toSeconds()).append(" s later)");
        try {
            String added = describeAdded(base.fdTargets(), ProcessGauge.fdTargets(base.pid()));
            if (!added.isEmpty()) m.append(": ").append(added);
        } catch (IllegalStateException exited) {
            m.append("; the process has exited since");
        }
        return m.toString();
    }

    /** The fds in now but not in before, by kind, most first: "30 x socket (socket:[1], ...), 1 x pipe (pipe:[7])". */
    static String describeAdded(Map<Integer, String> before, Map<Integer, String> now) {
        Map<String, List<String>> byKind = new TreeMap<>();
        now.forEach((fd, target) -> {
            if (!target.equals(before.get(fd))) byKind.computeIfAbsent(ProcessGauge.kindOf(target), k -> new ArrayList<>()).add(target);
        });
        return byKind.entrySet().stream()
                .sorted(Comparator.comparingInt((Map.Entry<String, List<String>> e) -> e.getValue().size()).reversed())
                .map(e -> e.getValue().size() + " x " + e.getKey() + " (" + examples(e.getValue()) + ")")
                .collect(Collectors.joining(", "));
    }

    private static String examples(List<String> targets) {
        String shown = String.join(", ", targets.subList(0, Math.min(EXAMPLES_PER_KIND, targets.size())));
        return targets.size() > EXAMPLES_PER_KIND ? shown + ", ..." : shown;
    }
}
