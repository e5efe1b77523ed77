package dev.sshuttle.it.bench;

import dev.sshuttle.it.bench.LongFatNetworkBenchmarkTest.Row;
import dev.sshuttle.it.gates.LatencyProbe;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** docs/benchmarks-lfn.md: the table of the long-fat-network benchmark and its acceptance checks. */
final class LongFatNetworkReport {
    /** Ours against ssh -L, one stream each way, by round trip (issue "past ssh's 2 MiB channel window"). */
    static final Map<Integer, Double> REQUIRED_GAIN = Map.of(50, 3.0, 100, 4.0);
    /** A 64 B ping beside the bulk against the idle round trip. */
    static final double PING_BESIDE_BULK_LIMIT = 1.2;

    private LongFatNetworkReport() {}

    static String markdown(List<Row> rows, Duration took, String command, Duration transfer, Duration omit) {
        Path repo = Path.of(System.getProperty("bench.docs", "../docs")).toAbsolutePath().normalize().getParent();
        String commit = DataPathBenchmarkTest.git(repo, "rev-parse", "--short", "HEAD");
        String dirty = DataPathBenchmarkTest.git(repo, "status", "--porcelain", "--untracked-files=no", "--", ".",
                ":!docs/benchmarks-lfn.md", ":!docs/benchmarks-lfn.png");
        String date = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
        StringBuilder md = new StringBuilder("# Long fat networks\n\n")
                .append("What: every contender's ssh connection (`-c ").append(Contender.CIPHER).append("`) runs through a delaying relay in the\n")
                .append("client namespace (it/src/main/java/dev/sshuttle/it/lfn: half the round trip each way, no loss, no cap; the kernel here\n")
                .append("has no netem), the rest of the topology as in docs/benchmarks.md. Per round trip and contender: one iperf3 stream down\n")
                .append(String.format("and up, %d s each after %d s omitted (the ramp), the idle 64 B round trip (median of 10), and a 64 B ping every%n",
                        transfer.toSeconds(), omit.toSeconds()))
                .append("100 ms on another connection beside each transfer. Ceiling: OpenSSH's 2 MiB channel window once per round trip.\n")
                .append("Single runs on a shared 2-core machine: compare within a round trip, not across runs.\n\n")
                .append("- machine: ").append(DataPathBenchmarkTest.firstLine("nproc")).append(" cores, kernel ")
                .append(DataPathBenchmarkTest.firstLine("uname", "-r")).append(", ").append(DataPathBenchmarkTest.firstLine("ssh", "-V"))
                .append(", JDK ").append(Runtime.version()).append('\n')
                .append("- commit: ").append(commit.isEmpty() ? "(unknown)" : commit).append(dirty.isEmpty() ? "" : " with uncommitted changes")
                .append(", ").append(date).append(String.format(", the whole run took %.1f min%n", took.toSeconds() / 60.0))
                .append("- command (as root): `").append(command).append("`\n\n")
                .append("| round trip | contender | down MB/s | up MB/s | down x ssh -L | up x ssh -L | idle 64 B rtt p50 ms | ")
                .append("beside down p50 / p99 ms | beside up p50 / p99 ms | one-channel ceiling MB/s |\n")
                .append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            Optional<Row> base = sshForward(rows, r.rttMs());
            md.append(String.format("| %d ms | %s | %.1f | %.1f | %s | %s | %s | %s | %s | %.1f |%n", r.rttMs(), r.contender(),
                    r.downMBps(), r.upMBps(), ratio(r.downMBps(), base.map(Row::downMBps)), ratio(r.upMBps(), base.map(Row::upMBps)),
                    ms(r.idle()), p50p99(r.besideDown()), p50p99(r.besideUp()), ceiling(r.rttMs())));
        }
        md.append("\n## Acceptance checks\n\n");
        checks(rows).forEach(c -> md.append("- ").append(c).append('\n'));
        List<String> notes = new ArrayList<>();
        rows.forEach(r -> r.notes().forEach(n -> notes.add(r.rttMs() + " ms, " + r.contender() + ": " + n)));
        if (!notes.isEmpty()) {
            md.append("\n## What went wrong during the run\n\n");
            notes.forEach(n -> md.append("- ").append(n).append('\n'));
        }
        md.append("\n![throughput against round trip](benchmarks-lfn.png)\n");
        return md.toString();
    }

    /** PASS/FAIL lines at the round trips the issue names: the gain over ssh -L, and the ping beside bulk. */
    static List<String> checks(List<Row> rows) {
        List<String> out = new ArrayList<>();
        for (Row r : rows) {
            if (!r.ours()) continue;
            Double need = REQUIRED_GAIN.get(r.rttMs());
            Optional<Row> base = sshForward(rows, r.rttMs());
            if (need != null && base.isPresent()) {
                out.add(gain(r, "down", r.downMBps(), base.get().downMBps(), need));
                out.add(gain(r, "up", r.upMBps(), base.get().upMBps(), need));
            }
            // the round trips only: at 10-25 ms a loaded 2-core machine's own scheduling delays
            // (ssh -L's ping beside bulk too) are a larger share than 0.2 round trips
            if (need != null && r.idle() != null) {
                for (var beside : List.of(Map.entry("download", Optional.ofNullable(r.besideDown())),
                        Map.entry("upload", Optional.ofNullable(r.besideUp())))) {
                    double idle = r.idle().p50().toNanos() / 1e6;
                    double got = beside.getValue().map(p -> p.p50().toNanos() / 1e6).orElse(Double.NaN);
                    out.add(String.format("%s %s, %d ms: 64 B ping beside bulk %s p50 <= %.1fx idle: %.1f ms vs %.1f ms = %.2fx",
                            got <= PING_BESIDE_BULK_LIMIT * idle ? "PASS" : "FAIL", r.contender(), r.rttMs(), beside.getKey(),
                            PING_BESIDE_BULK_LIMIT, got, idle, got / idle));
                }
            }
        }
        return out;
    }

    private static String gain(Row r, String direction, double ours, double sshL, double need) {
        double x = ours / sshL;
        return String.format("%s %s, %d ms: 1 stream %s >= %.0fx ssh -L: %.1f MB/s vs %.1f MB/s = %.2fx",
                x >= need ? "PASS" : "FAIL", r.contender(), r.rttMs(), direction, need, ours, sshL, x);
    }

    private static Optional<Row> sshForward(List<Row> rows, int rtt) {
        return rows.stream().filter(x -> x.rttMs() == rtt && x.contender().equals("ssh -L")).findFirst();
    }

    static double ceiling(int rttMs) {
        return LongFatNetworkBenchmarkTest.SSH_WINDOW_BYTES / (rttMs / 1000.0) / 1e6;
    }

    private static String ratio(double v, Optional<Double> base) {
        return base.filter(b -> b > 0).map(b -> String.format("%.2f", v / b)).orElse("-");
    }

    private static String ms(LatencyProbe.Report r) {
        return r == null ? "-" : String.format("%.1f", r.p50().toNanos() / 1e6);
    }

    private static String p50p99(LatencyProbe.Report r) {
        return r == null ? "-" : String.format("%.1f / %.1f", r.p50().toNanos() / 1e6, r.p99().toNanos() / 1e6);
    }
}
