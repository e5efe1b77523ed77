package dev.sshuttle.it.bench;

import dev.sshuttle.it.gates.LatencyProbe;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.HdrHistogram.Histogram;

/**
 * What the data-path benchmark measured, per contender and run: the metrics, their medians over
 * the runs, the markdown table (ratios to ssh -L for ours) and the acceptance checks of the
 * issue "A lean data path".
 */
final class DataPathResults {
    /** Rows of the table, in order. */
    enum Metric {
        UP_1("1 stream up", "MB/s", "%.0f"),
        DOWN_1("1 stream down", "MB/s", "%.0f"),
        DOWN_8("8 streams down", "MB/s", "%.0f"),
        CPU_PER_GB("tunnel CPU per GB (1 stream up + down)", "s/GB", "%.2f"),
        CONNECTIONS("connections/s (100 B echo, then close)", "1/s", "%.0f"),
        FIRST_ECHO_P50("connect -> first echo p50", "ms", "%.2f"),
        FIRST_ECHO_P99("connect -> first echo p99", "ms", "%.2f"),
        CPU_PER_1K_CONNECTIONS("tunnel CPU per 1000 connections", "s", "%.3f"),
        RTT_P50("64 B round trip p50", "ms", "%.3f"),
        RTT_P99("64 B round trip p99", "ms", "%.3f"),
        PING_DOWN_P50("ping beside bulk download p50", "ms", "%.2f"),
        PING_DOWN_P99("ping beside bulk download p99", "ms", "%.2f"),
        BULK_DOWN_RATIO("bulk download beside the ping / solo", "x", "%.2f"),
        PING_UP_P50("ping beside bulk upload p50", "ms", "%.2f"),
        PING_UP_P99("ping beside bulk upload p99", "ms", "%.2f"),
        BULK_UP_RATIO("bulk upload beside the ping / solo", "x", "%.2f");

        final String label;
        final String unit;
        final String format;

        Metric(String label, String unit, String format) {
            this.label = label;
            this.unit = unit;
            this.format = format;
        }

        String format(double v) {
            return Double.isNaN(v) ? "-" : String.format(format, v);
        }
    }

    /** One run of one contender: a value per metric measured (absent: not measured), the pings beside bulk, what went wrong. */
    static final class Run {
        final Map<Metric, Double> values = new EnumMap<>(Metric.class);
        final Histogram pingBesideDownload = LatencyProbe.histogram();
        final Histogram pingBesideUpload = LatencyProbe.histogram();
        final List<String> notes = new ArrayList<>();
        /** CPU seconds per GB over the 1-stream transfers, and per 1000 short connections, by process role. */
        final Map<String, Double> cpuPerGbByRole = new TreeMap<>();
        final Map<String, Double> cpuPer1kByRole = new TreeMap<>();
        /** Over the 1-stream transfers, per MB moved, by process role. */
        final Map<String, Double> userPerGbByRole = new TreeMap<>();
        final Map<String, Double> switchesPerMbByRole = new TreeMap<>();
        final Map<String, Double> syscallsPerMbByRole = new TreeMap<>();

        void put(Metric m, double v) {
            values.put(m, v);
        }

        /** Two percentiles of a latency report, in ms. */
        void put(Metric p50, Metric p99, LatencyProbe.Report r) {
            if (r.samples() == 0) return;
            put(p50, ms(r.p50().toNanos()));
            put(p99, ms(r.p99().toNanos()));
        }

        private static double ms(long nanos) {
            return nanos / 1e6;
        }
    }

    /** Every run of one contender, a column of the table. */
    record Column(String name, boolean ours, List<Run> runs) {
        Column(String name, boolean ours) {
            this(name, ours, new ArrayList<>());
        }

        /** The median over the runs that measured m (NaN when none did). */
        double median(Metric m) {
            return median(runs.stream().map(r -> r.values.get(m)).filter(x -> x != null && !Double.isNaN(x))
                    .mapToDouble(Double::doubleValue));
        }

        /** The median over the runs of one role's figure (0 for a run where the role did not show). */
        double medianByRole(String role, java.util.function.Function<Run, Map<String, Double>> figure) {
            return median(runs.stream().mapToDouble(r -> figure.apply(r).getOrDefault(role, 0.0)));
        }

        private static double median(java.util.stream.DoubleStream values) {
            double[] v = values.sorted().toArray();
            if (v.length == 0) return Double.NaN;
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }

        Set<String> roles() {
            Set<String> roles = new TreeSet<>();
            runs.forEach(r -> {
                roles.addAll(r.cpuPerGbByRole.keySet());
                roles.addAll(r.cpuPer1kByRole.keySet());
            });
            return roles;
        }

        Histogram pingsBesideDownload() {
            return merged(true);
        }

        Histogram pingsBesideUpload() {
            return merged(false);
        }

        private Histogram merged(boolean download) {
            Histogram h = LatencyProbe.histogram();
            runs.forEach(r -> h.add(download ? r.pingBesideDownload : r.pingBesideUpload));
            return h;
        }

        List<String> notes() {
            List<String> all = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                for (String n : runs.get(i).notes) all.add(name + ", run " + (i + 1) + ": " + n);
            }
            return all;
        }
    }

    /** One acceptance check of one of our agents. */
    record Check(String agent, String what, boolean pass, String detail) {
        @Override
        public String toString() {
            return (pass ? "PASS " : "FAIL ") + agent + ": " + what + ": " + detail;
        }
    }

    private final List<Column> columns;
    private final Column sshForward;

    /** columns in table order; the one named "ssh -L" is what ours are compared with. */
    DataPathResults(List<Column> columns) {
        this.columns = List.copyOf(columns);
        this.sshForward = columns.stream().filter(c -> c.name().equals("ssh -L")).findFirst().orElseThrow();
    }

    List<Column> columns() {
        return columns;
    }

    /** Rows = metrics, columns = contenders; after each of ours, its ratio to ssh -L. */
    String table() {
        StringBuilder md = new StringBuilder("| metric | unit |");
        StringBuilder rule = new StringBuilder("|---|---|");
        for (Column c : columns) {
            md.append(' ').append(c.name()).append(" |");
            rule.append("---:|");
            if (c.ours()) {
                md.append(" x ssh -L |");
                rule.append("---:|");
            }
        }
        md.append('\n').append(rule).append('\n');
        for (Metric m : Metric.values()) {
            md.append("| ").append(m.label).append(" | ").append(m.unit).append(" |");
            for (Column c : columns) {
                md.append(' ').append(m.format(c.median(m))).append(" |");
                if (c.ours()) md.append(' ').append(ratio(c.median(m), sshForward.median(m))).append(" |");
            }
            md.append('\n');
        }
        return md.toString();
    }

    /**
     * Where the CPU goes: per contender, each process role's CPU seconds per GB (1-stream up +
     * down) and per 1000 connections, medians over the runs.
     */
    String cpuByRole() {
        StringBuilder md = new StringBuilder("| contender | process | CPU s per GB | of it user | context switches per MB | read/write calls per MB"
                + " | CPU s per 1000 connections |\n|---|---|---:|---:|---:|---:|---:|\n");
        for (Column c : columns) {
            for (String role : c.roles()) {
                md.append(String.format("| %s | %s | %.2f | %.2f | %.0f | %.0f | %.3f |%n", c.name(), role,
                        c.medianByRole(role, r -> r.cpuPerGbByRole), c.medianByRole(role, r -> r.userPerGbByRole),
                        c.medianByRole(role, r -> r.switchesPerMbByRole), c.medianByRole(role, r -> r.syscallsPerMbByRole),
                        c.medianByRole(role, r -> r.cpuPer1kByRole)));
            }
        }
        return md.toString();
    }

    private static String ratio(double ours, double base) {
        double r = ours / base;
        return Double.isNaN(r) || Double.isInfinite(r) ? "-" : String.format("%.2f", r);
    }

    /** The acceptance checks for each of our agents, against ssh -L of the same run. */
    List<Check> acceptance() {
        List<Check> checks = new ArrayList<>();
        for (Column ours : columns) {
            if (!ours.ours()) continue;
            checks.add(atLeast(ours, Metric.UP_1, 0.9));
            checks.add(atLeast(ours, Metric.DOWN_1, 0.9));
            checks.add(atLeast(ours, Metric.DOWN_8, 0.9));
            checks.add(atMost(ours, Metric.CPU_PER_GB, 1.3));
            checks.add(atLeast(ours, Metric.CONNECTIONS, 1.0));
            checks.add(atMost(ours, Metric.FIRST_ECHO_P50, 1.2));
            checks.add(atMost(ours, Metric.RTT_P50, 1.5));
            checks.add(besideBulk(ours, "bulk download", Metric.PING_DOWN_P50, Metric.PING_DOWN_P99, Metric.BULK_DOWN_RATIO));
            checks.add(besideBulk(ours, "bulk upload", Metric.PING_UP_P50, Metric.PING_UP_P99, Metric.BULK_UP_RATIO));
        }
        return checks;
    }

    private Check atLeast(Column ours, Metric m, double factor) {
        double r = ours.median(m) / sshForward.median(m);
        return new Check(ours.name(), m.label + " >= " + factor + "x ssh -L", r >= factor, detail(ours, m, r));
    }

    private Check atMost(Column ours, Metric m, double factor) {
        double r = ours.median(m) / sshForward.median(m);
        return new Check(ours.name(), m.label + " <= " + factor + "x ssh -L", r <= factor, detail(ours, m, r));
    }

    private String detail(Column ours, Metric m, double r) {
        return String.format("%s %s vs %s %s = %sx", m.format(ours.median(m)), m.unit, m.format(sshForward.median(m)), m.unit,
                Double.isNaN(r) ? "-" : String.format("%.2f", r));
    }

    private static Check besideBulk(Column ours, String bulk, Metric p50, Metric p99, Metric ratio) {
        double a = ours.median(p50);
        double b = ours.median(p99);
        double k = ours.median(ratio);
        boolean pass = a <= 1 && b <= 3 && k >= 0.85;
        return new Check(ours.name(), "ping beside " + bulk + " p50 <= 1 ms, p99 <= 3 ms, bulk >= 0.85x solo", pass,
                String.format("p50 %s ms, p99 %s ms, bulk %sx solo", p50.format(a), p99.format(b), ratio.format(k)));
    }

    /** Every note of every run (failed transfers, failed connections). */
    List<String> notes() {
        return columns.stream().flatMap(c -> c.notes().stream()).toList();
    }
}
