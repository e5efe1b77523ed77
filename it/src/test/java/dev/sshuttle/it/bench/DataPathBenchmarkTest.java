package dev.sshuttle.it.bench;

import dev.sshuttle.it.bench.DataPathResults.Column;
import dev.sshuttle.it.bench.DataPathResults.Metric;
import dev.sshuttle.it.bench.DataPathResults.Run;
import dev.sshuttle.it.gates.ConnectionLoad;
import dev.sshuttle.it.gates.LatencyProbe;
import dev.sshuttle.it.gates.ProcessGauge;
import dev.sshuttle.it.sys.Cmd;
import dev.sshuttle.it.topology.Netns;
import dev.sshuttle.testkit.Prerequisites;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import dev.sshuttle.it.tunnel.Tunnels;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The data-path benchmark (acceptance of the issue "A lean data path"): in one run, through the
 * same real OpenSSH with the same cipher, the raw ssh pipe (a ceiling), {@code ssh -N -L}, stock
 * sshuttle, and ours with each agent, started as users start them. Per contender, the median of
 * {@code bench.runs} runs (the contenders take turns, so a busy machine slows all alike) of:
 * iperf3 1 stream up and down and 8 streams down; the CPU time per GB of every tunnel process
 * (client and gateway side, iperf3 not counted) over the 1-stream transfers; 2000 short echo
 * connections 32 at a time (rate, connect -> first echo); 2000 sequential 64 B round trips; a 64 B
 * ping every 20 ms beside a bulk download and beside a bulk upload, and the bulk's rate then
 * against its solo rate. Prints the table and the acceptance checks (PASS/FAIL lines, never a
 * test failure: it is a measurement) and writes docs/benchmarks.md and docs/benchmarks.png.
 * Only with -Pbench (the property bench.datapath=true); about 6 minutes.
 */
@Tag("bench") // .ci/run leaves the benchmarks out by tag: they run only when asked
@ExtendWith(TopologyExtension.class)
@EnabledIfSystemProperty(named = "bench.datapath", matches = "true",
        disabledReason = "the data-path benchmark runs only when asked: ./mvnw -B -ntp -pl tunnel,it -am verify -Pbench")
class DataPathBenchmarkTest {
    static final int RUNS = Integer.getInteger("bench.runs", 2);
    /** Each iperf3 test (-t). */
    static final Duration TRANSFER = Duration.ofSeconds(Long.getLong("bench.seconds", 5));
    /** Bytes through the raw ssh pipe, each way. */
    static final long RAW_BYTES = Long.getLong("bench.raw.bytes", 2L << 30);
    static final Duration RAW_LIMIT = Duration.ofSeconds(120);
    /**
     * Contender names to run besides ssh -L (the baseline of every ratio), separated by ';' (the
     * names have commas); "raw ssh pipe" is one of them. All by default. A partial run (for a
     * bisection) prints its table and writes it to target/, never over docs/benchmarks.md.
     */
    static final String ONLY = System.getProperty("bench.contenders", "");
    /**
     * Other checkouts (their jars built; several separated by ':') whose client and agents run
     * beside ours as "before (DIR), ..." contenders: a regression check or an A/B of a constant in
     * one run (with every contender, docs/benchmarks.md shows them too). None by default.
     */
    static final String BASELINE = System.getProperty("bench.baseline", "");
    static final int CONNECTIONS = 2000;
    static final int CONCURRENCY = 32;
    static final int CONNECTION_PAYLOAD = 100;
    static final Duration CONNECTION_BUDGET = Duration.ofSeconds(60);
    static final int ROUND_TRIPS = 2000;
    static final int PING_PAYLOAD = 64;
    static final Duration ROUND_TRIP_BUDGET = Duration.ofSeconds(30);
    static final Duration PING_EVERY = Duration.ofMillis(20);
    /** The bulk transfer's connect and slow start before the pings begin, and its end after they stop. */
    static final Duration BULK_RAMP = Duration.ofSeconds(1);
    static final Duration BULK_TAIL = Duration.ofMillis(500);
    static final Duration IO_TIMEOUT = Duration.ofSeconds(10);
    /**
     * The same unmeasured warm-up for every contender: an iperf3 test each way and a few
     * connections, so a JVM end is measured compiled (with 1 s the later bulk transfers of the
     * same run still came out faster than the solo ones just after it).
     */
    static final Duration WARM_UP_TRANSFER = Duration.ofSeconds(2);
    static final int WARM_UP_CONNECTIONS = 200;
    static final String COMMAND = "./mvnw -B -ntp -pl tunnel,it -am verify -Pbench";
    /** Where the sections of the start and footprint benchmark begin in docs/benchmarks.md. */
    static final String KEPT_FROM = "# Start time and footprint";

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void dataPath(Topology t) throws Exception {
        Prerequisites.requireTools("iperf3", "sshuttle", "iptables", "ssh");
        // 2000 short connections per contender and run leave TIME_WAIT sockets; reusing them keeps
        // the later contenders from measuring a port shortage (namespace-local, this topology's own)
        for (Netns ns : List.of(t.client(), t.gateway())) ns.runOrThrow("sysctl", "-q", "-w", "net.ipv4.tcp_tw_reuse=1");
        long ticksPerSecond = ProcessGauge.clockTicksPerSecond();
        Column raw = new Column("raw ssh pipe", false);
        boolean withRaw = selected(raw.name());
        List<Contender.Spec> specs = new ArrayList<>(Contender.all().stream()
                .filter(s -> s.name().equals("ssh -L") || selected(s.name())).toList());
        for (String dir : BASELINE.split(":")) {
            if (dir.isBlank()) continue;
            for (String agent : List.of("python", "java")) {
                // with a partial run, only the agents of ours that it runs
                if (selected("ours, " + agent + " agent")) specs.add(Contender.before(Path.of(dir).toAbsolutePath(), agent));
            }
        }
        List<Column> columns = new ArrayList<>(withRaw ? List.of(raw) : List.of());
        specs.forEach(s -> columns.add(new Column(s.name(), s.ours())));
        long started = System.nanoTime();
        try (Iperf3 iperf3 = Iperf3.serve(t)) {
            for (int run = 1; run <= RUNS; run++) {
                if (withRaw) raw.runs().add(rawPipe(t));
                for (int i = 0; i < specs.size(); i++) {
                    Contender.Spec spec = specs.get(i);
                    long t0 = System.nanoTime();
                    try (Contender c = spec.starter().start(t, spec.name())) {
                        columns.get(i + (withRaw ? 1 : 0)).runs().add(measure(t, iperf3, c, ticksPerSecond));
                    }
                    System.out.printf("data-path benchmark: run %d/%d, %s done in %.0f s%n", run, RUNS, spec.name(),
                            (System.nanoTime() - t0) / 1e9);
                }
            }
        } finally {
            Tunnels.removeUploadedJavaAgent();
        }
        report(new DataPathResults(columns), Duration.ofNanos(System.nanoTime() - started));
    }

    static boolean selected(String name) {
        return ONLY.isBlank() || List.of(ONLY.split(";")).contains(name);
    }

    /** One run of one contender, every metric but the raw pipe's. */
    private static Run measure(Topology t, Iperf3 iperf3, Contender c, long ticksPerSecond) throws IOException {
        Run r = new Run();
        iperf3.run(t.client(), c.iperf3(), WARM_UP_TRANSFER, 1, false);
        iperf3.run(t.client(), c.iperf3(), WARM_UP_TRANSFER, 1, true);
        ConnectionLoad.run(t.client().threadFactory(), c.echo(), WARM_UP_CONNECTIONS, CONCURRENCY, CONNECTION_PAYLOAD,
                CONNECTION_BUDGET, ConnectionLoad.Ending.CLOSE_AFTER_ECHO);

        Map<Long, Contender.CpuTicks> before = c.cpuTicks();
        Iperf3.Result up = transfer(t, iperf3, c, 1, false, r);
        Iperf3.Result down = transfer(t, iperf3, c, 1, true, r);
        Map<String, Contender.CpuTicks> spent = Contender.CpuTicks.spentByRole(before, c.cpuTicks());
        r.put(Metric.UP_1, up.mbPerSecond());
        r.put(Metric.DOWN_1, down.mbPerSecond());
        if (up.ok() && down.ok()) {
            double gb = (up.bytes() + down.bytes()) / 1e9;
            spent.forEach((role, used) -> {
                r.cpuPerGbByRole.put(role, used.ticks() / (double) ticksPerSecond / gb);
                r.userPerGbByRole.put(role, used.userTicks() / (double) ticksPerSecond / gb);
                r.switchesPerMbByRole.put(role, used.switches() / (gb * 1000));
                r.syscallsPerMbByRole.put(role, used.syscalls() / (gb * 1000));
            });
            r.put(Metric.CPU_PER_GB, r.cpuPerGbByRole.values().stream().mapToDouble(Double::doubleValue).sum());
        }
        r.put(Metric.DOWN_8, transfer(t, iperf3, c, 8, true, r).mbPerSecond());

        before = c.cpuTicks();
        ConnectionLoad.Result load = ConnectionLoad.run(t.client().threadFactory(), c.echo(), CONNECTIONS, CONCURRENCY,
                CONNECTION_PAYLOAD, CONNECTION_BUDGET, ConnectionLoad.Ending.CLOSE_AFTER_ECHO);
        spent = Contender.CpuTicks.spentByRole(before, c.cpuTicks());
        if (load.failed() > 0 || load.attempted() < CONNECTIONS) r.notes.add("short connections: " + load);
        else {
            spent.forEach((role, used) -> r.cpuPer1kByRole.put(role, used.ticks() / (double) ticksPerSecond / (CONNECTIONS / 1000.0)));
            r.put(Metric.CPU_PER_1K_CONNECTIONS, r.cpuPer1kByRole.values().stream().mapToDouble(Double::doubleValue).sum());
        }
        r.put(Metric.CONNECTIONS, load.connectionsPerSecond());
        r.put(Metric.FIRST_ECHO_P50, Metric.FIRST_ECHO_P99, load.firstEcho());

        try (Socket echo = echoConnection(t, c)) {
            r.put(Metric.RTT_P50, Metric.RTT_P99, LatencyProbe.pingPong(echo, ROUND_TRIPS, PING_PAYLOAD, ROUND_TRIP_BUDGET));
        } catch (IOException e) {
            r.notes.add("64 B round trips: " + e);
        }
        besideBulk(t, iperf3, c, r, true, down);
        besideBulk(t, iperf3, c, r, false, up);
        return r;
    }

    private static Iperf3.Result transfer(Topology t, Iperf3 iperf3, Contender c, int streams, boolean download, Run r) {
        Iperf3.Result result = iperf3.run(t.client(), c.iperf3(), TRANSFER, streams, download);
        if (!result.ok()) r.notes.add(result.error());
        return result;
    }

    private static Socket echoConnection(Topology t, Contender c) throws IOException {
        Socket s = t.client().connect(c.echo(), IO_TIMEOUT);
        s.setSoTimeout((int) IO_TIMEOUT.toMillis());
        s.setTcpNoDelay(true);
        return s;
    }

    /** A 64 B ping every 20 ms on one connection while iperf3 moves bulk the same way through the same tunnel. */
    private static void besideBulk(Topology t, Iperf3 iperf3, Contender c, Run r, boolean download, Iperf3.Result solo) {
        Duration window = TRANSFER.minus(BULK_RAMP).minus(BULK_TAIL);
        int count = (int) (window.toNanos() / PING_EVERY.toNanos());
        Iperf3.Result bulk;
        try (Socket echo = echoConnection(t, c)) {
            Iperf3.Running running = iperf3.start(t.client(), c.iperf3(), TRANSFER, 1, download);
            try {
                Thread.sleep(BULK_RAMP);
                LatencyProbe.Report pings = LatencyProbe.paced(echo, count, PING_PAYLOAD, PING_EVERY, window.plus(BULK_TAIL));
                (download ? r.pingBesideDownload : r.pingBesideUpload).add(pings.histogram());
                if (download) r.put(Metric.PING_DOWN_P50, Metric.PING_DOWN_P99, pings);
                else r.put(Metric.PING_UP_P50, Metric.PING_UP_P99, pings);
                if (pings.samples() < count) r.notes.add("pings beside bulk: only " + pings.samples() + " of " + count + " in time");
            } finally {
                bulk = running.await();
            }
        } catch (IOException e) {
            r.notes.add("pings beside bulk " + (download ? "download" : "upload") + ": " + e);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (!bulk.ok()) r.notes.add(bulk.error());
        r.put(download ? Metric.BULK_DOWN_RATIO : Metric.BULK_UP_RATIO, bulk.mbPerSecond() / solo.mbPerSecond());
    }

    /** The ceiling: RAW_BYTES through one ssh session's stdin (up) and stdout (down), same cipher. */
    private static Run rawPipe(Topology t) throws IOException, InterruptedException {
        Run r = new Run();
        r.put(Metric.UP_1, rawUp(t, r));
        r.put(Metric.DOWN_1, rawDown(t, r));
        return r;
    }

    private static final Pattern DD_REPORT = Pattern.compile("(\\d+) bytes .*copied, ([0-9.]+) s");

    /**
     * head -c N /dev/zero | ssh gw 'dd of=/dev/null': dd (rather than cat) so the remote end
     * times the bytes from its start, after ssh's handshake, to the last one.
     */
    private static double rawUp(Topology t, Run r) throws IOException, InterruptedException {
        List<Process> pipeline = ProcessBuilder.startPipeline(List.of(
                new ProcessBuilder("head", "-c", Long.toString(RAW_BYTES), "/dev/zero").redirectError(ProcessBuilder.Redirect.DISCARD),
                new ProcessBuilder(t.client().argv(Contender.sshArgv(t, List.of(), "dd of=/dev/null bs=64k")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)));
        Process ssh = pipeline.getLast();
        killAfter(RAW_LIMIT, pipeline);
        String dd;
        try (InputStream err = ssh.getErrorStream()) {
            dd = new String(err.readAllBytes(), StandardCharsets.UTF_8);
        }
        boolean ended = ssh.waitFor(10, TimeUnit.SECONDS);
        Matcher m = DD_REPORT.matcher(dd);
        if (!ended || ssh.exitValue() != 0 || !m.find() || Long.parseLong(m.group(1)) != RAW_BYTES) {
            r.notes.add("raw ssh pipe up: exit " + (ended ? ssh.exitValue() : "none") + ", dd said: " + dd.strip());
            return Double.NaN;
        }
        return RAW_BYTES / 1e6 / Double.parseDouble(m.group(2));
    }

    /** ssh gw 'head -c N /dev/zero', read here and timed from the first byte to the last. */
    private static double rawDown(Topology t, Run r) throws IOException, InterruptedException {
        Process ssh = new ProcessBuilder(t.client().argv(Contender.sshArgv(t, List.of("-n"), "head -c " + RAW_BYTES + " /dev/zero")))
                .redirectError(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        killAfter(RAW_LIMIT, List.of(ssh));
        long total = 0;
        long first = 0;
        try (InputStream in = ssh.getInputStream()) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                if (total == 0) first = System.nanoTime();
                total += n;
            }
        }
        double seconds = (System.nanoTime() - first) / 1e9;
        ssh.waitFor(10, TimeUnit.SECONDS);
        if (ssh.isAlive() || ssh.exitValue() != 0 || total != RAW_BYTES) {
            r.notes.add("raw ssh pipe down: " + total + " of " + RAW_BYTES + " bytes, exit " + (ssh.isAlive() ? "none" : ssh.exitValue()));
            return Double.NaN;
        }
        return total / 1e6 / seconds;
    }

    /** A watchdog: whatever of these processes still runs after `limit` is killed (by its own handle). */
    private static void killAfter(Duration limit, List<Process> processes) {
        CompletableFuture.delayedExecutor(limit.toMillis(), TimeUnit.MILLISECONDS).execute(() -> processes.forEach(p -> {
            if (p.isAlive()) p.destroyForcibly();
        }));
    }

    /** The other benchmarks' sections of docs/benchmarks.md (from {@link #KEPT_FROM} on): a new data-path run keeps them. */
    static String keptSections(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return "";
        String old = Files.readString(file);
        int at = old.indexOf(KEPT_FROM);
        return at < 0 ? "" : "\n" + old.substring(at);
    }

    /** Prints the table and the checks, and writes docs/benchmarks.md and docs/benchmarks.png. */
    private static void report(DataPathResults results, Duration took) throws IOException {
        Path docs = Path.of(System.getProperty("bench.docs", "../docs")).toAbsolutePath().normalize();
        Path repo = docs.getParent();
        if (!ONLY.isBlank()) docs = Path.of("target", "benchmarks-partial").toAbsolutePath();
        String commit = git(repo, "rev-parse", "--short", "HEAD");
        String dirty = git(repo, "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/benchmarks.md", ":!docs/benchmarks.png");
        String date = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
        String machine = String.format("%s cores (nproc), kernel %s, %s, %s, %s, JDK %s", firstLine("nproc"),
                firstLine("uname", "-r"), firstLine("ssh", "-V"), "sshuttle " + firstLine("sshuttle", "--version"),
                firstLine("iperf3", "--version"), Runtime.version());
        List<DataPathResults.Check> checks = results.acceptance();
        StringBuilder md = new StringBuilder("# Data-path benchmark\n\n")
                .append("What: the same transfers through every contender in one run, in network namespaces (client, gateway with a real\n")
                .append("OpenSSH sshd, target with iperf3 and an echo service; see it/README.md), every ssh with `-c ").append(Contender.CIPHER)
                .append("`:\n")
                .append("the raw ssh pipe (bytes through one session's stdin/stdout, a ceiling), `ssh -N -L` to the target's iperf3 and echo,\n")
                .append("stock sshuttle (`--method nat`), and ours (`java @tunnel/jvm.options -jar sshuttle.jar -e ... -r ... --agent python|java`).\n")
                .append(String.format("Median of %d runs (contenders take turns); iperf3 tests of %d s; CPU = utime+stime of every tunnel process%n",
                        RUNS, TRANSFER.toSeconds()))
                .append("(client side and sshd side, iperf3 not counted) over the 1-stream up and down tests; connections: 2000 (connect, 100 B,\n")
                .append("read the echo, close), 32 at a time, and the time from connect() to the first echoed byte (with 32 in flight, so it\n")
                .append("includes queueing in the tunnel); round trip: 2000 sequential 64 B echoes on one connection; ping beside bulk:\n")
                .append("64 B every 20 ms on one connection during an iperf3 1-stream transfer through the same tunnel, and that transfer's\n")
                .append("rate against its solo rate. Each contender first gets the same unmeasured warm-up (iperf3 ").append(WARM_UP_TRANSFER.toSeconds())
                .append(" s each way, ").append(WARM_UP_CONNECTIONS).append(" connections).\n")
                .append("`x ssh -L`: ours divided by ssh -L.\n\n")
                .append("- machine: ").append(machine).append('\n')
                .append("- commit: ").append(commit.isEmpty() ? "(unknown)" : commit).append(dirty.isEmpty() ? "" : " with uncommitted changes")
                .append(", ").append(date).append(String.format(", the whole run took %.1f min%n", took.toSeconds() / 60.0))
                .append("- command (as root): `").append(COMMAND).append("`\n\n")
                .append(results.table())
                .append("\n## Where the CPU goes, per process\n\n")
                .append("utime + stime of each tunnel process (by role) over the same 1-stream transfers and the same 2000 connections,\n")
                .append("medians over the runs; the sums are the table's two CPU rows (the clock tick is 10 ms: a role under ~0.02 s\n")
                .append("per 1000 connections is within one tick). Over the transfers also: context switches of all its threads, and\n")
                .append("read/write system calls (/proc/PID/io syscr + syscw), per MB moved.\n\n")
                .append(results.cpuByRole())
                .append("\n## Acceptance checks (issue \"A lean data path\")\n\n");
        for (DataPathResults.Check c : checks) md.append("- ").append(c).append('\n');
        List<String> notes = results.notes();
        if (!notes.isEmpty()) {
            md.append("\n## What went wrong during the run\n\n");
            for (String n : notes) md.append("- ").append(n).append('\n');
        }
        md.append("\n![throughput and ping beside bulk](benchmarks.png)\n");
        md.append("\nLong round trips (10-150 ms, past ssh's 2 MiB channel window with `--channels`): [benchmarks-lfn.md](benchmarks-lfn.md).\n");
        System.out.println(md);
        Files.createDirectories(docs);
        Path file = docs.resolve("benchmarks.md");
        Files.writeString(file, md + keptSections(file));
        DataPathPlot.write(results.columns(), "data-path benchmark, median of " + RUNS + " runs, " + commit + ", " + date,
                docs.resolve("benchmarks.png"));
        System.out.println("wrote " + docs.resolve("benchmarks.md") + " and " + docs.resolve("benchmarks.png"));
        for (DataPathResults.Check c : checks) System.out.println(c);
    }

    static String git(Path repo, String... args) {
        List<String> argv = new ArrayList<>(List.of("git", "-C", repo.toString()));
        argv.addAll(List.of(args));
        Cmd.Result r = Cmd.run(Duration.ofSeconds(10), argv);
        return r.ok() ? r.stdout().strip() : "";
    }

    /** The first line a tool prints (stdout, else stderr: ssh -V), or "?". */
    static String firstLine(String... argv) {
        Cmd.Result r = Cmd.run(Duration.ofSeconds(10), argv);
        String out = r.stdout().isBlank() ? r.stderr() : r.stdout();
        return out.isBlank() ? "?" : out.strip().lines().findFirst().orElse("?");
    }
}
