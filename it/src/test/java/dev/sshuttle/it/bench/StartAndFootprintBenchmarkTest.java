package dev.sshuttle.it.bench;

import dev.sshuttle.it.gates.BulkTransfer;
import dev.sshuttle.it.gates.FirewallRules;
import dev.sshuttle.it.gates.MixedLoad;
import dev.sshuttle.it.gates.ProcessGauge;
import dev.sshuttle.it.gates.ProcessTree;
import dev.sshuttle.it.target.TargetServices;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import dev.sshuttle.it.tunnel.Tunnels;
import dev.sshuttle.mux.AgentOptions;
import dev.sshuttle.transport.AgentBootstrap;
import dev.sshuttle.transport.AgentJar;
import dev.sshuttle.transport.JavaAgentUpload;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Start time and footprint as a user meets them (issue 8): the {@code ./sshuttle} launcher with
 * its defaults, real ssh, real traffic.
 *
 * <p>Start: from the exec of the command to the first byte echoed back through it (a connection
 * to the target's echo service retried every few ms with a short connect timeout), for
 * {@code ssh -N -L}, stock sshuttle and ours (Python agent, Python agent with --dns, Java
 * agent), {@code footprint.starts} times each, taking turns. Footprint: per agent, our client
 * after {@code footprint.connections} mixed connections (normal, resets, half-close, refused)
 * and then a bulk download at full speed for {@code footprint.bulk.seconds}: RSS of the client
 * JVM and of the remote agent, sampled every 250 ms (peak) and after a settle (end).
 *
 * <p>Only with {@code -Dbench.footprint=true}; about 3 minutes:
 * {@code ./mvnw -B -ntp -pl tunnel,it -am verify -Dtest=StartAndFootprintBenchmarkTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dbench.footprint=true} (as root). Prints the table,
 * writes it/target/start-footprint-report.md; never fails on a number (a measurement).
 * {@code footprint.java.opts} is handed to the launcher as SSHUTTLE_JAVA_OPTS (to compare JVM
 * options in the same conditions); {@code footprint.only=start|memory} runs one half.
 */
@Tag("bench") // .ci/run leaves the benchmarks out by tag: they run only when asked
@ExtendWith(TopologyExtension.class)
@EnabledIfSystemProperty(named = "bench.footprint", matches = "true",
        disabledReason = "the start/footprint benchmark runs only when asked: -Dbench.footprint=true")
class StartAndFootprintBenchmarkTest {
    static final int STARTS = Integer.getInteger("footprint.starts", 5);
    static final int CONNECTIONS = Integer.getInteger("footprint.connections", 10_000);
    static final int CONCURRENCY = 16;
    static final Duration LOAD_BUDGET = Duration.ofMinutes(4);
    static final Duration BULK = Duration.ofSeconds(Long.getLong("footprint.bulk.seconds", 10));
    static final Duration SETTLE = Duration.ofSeconds(3);
    static final Duration START_LIMIT = Duration.ofSeconds(30);
    static final Duration POLL_CONNECT_TIMEOUT = Duration.ofMillis(10);
    static final String JAVA_OPTS = System.getProperty("footprint.java.opts", "");
    static final String ONLY = System.getProperty("footprint.only", "");
    /** Extra environment of our client and of the Java agent ("K=V K=V"), e.g. MALLOC_ARENA_MAX=2. */
    static final String ENV = System.getProperty("footprint.env", "");
    /** JVM options for the Java agent, through a --remote-java wrapper (comparing options; empty: the product's own). */
    static final String AGENT_OPTS = System.getProperty("footprint.agent.opts", "");
    /** Prints jcmd VM.native_memory of both JVMs at the end (needs -XX:NativeMemoryTracking=summary in the options). */
    static final boolean NMT = Boolean.getBoolean("footprint.nmt");
    /** Prints both JVMs' heap sizes and the top of their live-object histograms at the end. */
    static final boolean HISTOGRAM = Boolean.getBoolean("footprint.histogram");
    static final int FORWARD_ECHO_PORT = 15008;
    /**
     * A checkout of the commit to compare against, with its jar built (git archive C | tar -x -C DIR;
     * cd DIR; ./mvnw -pl tunnel -am package -DskipTests): its launcher is measured in the same run,
     * taking turns with ours. Empty: ours only.
     */
    static final String BASELINE = System.getProperty("footprint.baseline", "");

    record Starter(String name, Function<Topology, BackgroundProcess> start, Function<Topology, InetSocketAddress> echo) {}

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void startAndFootprint(Topology t) throws Exception {
        StringBuilder md = new StringBuilder("# Start time and footprint\n\n")
                .append("- commit: ").append(git("rev-parse", "--short", "HEAD")).append(git("status", "--porcelain", "--untracked-files=no").isEmpty() ? "" : " with uncommitted changes")
                .append(", JDK ").append(Runtime.version()).append(", SSHUTTLE_JAVA_OPTS='").append(JAVA_OPTS).append("'")
                .append(ENV.isBlank() ? "" : ", environment '" + ENV + "'").append("\n\n");
        try {
            if (!ONLY.equals("memory")) md.append(startTimes(t)).append('\n');
            if (!ONLY.equals("start")) md.append(footprint(t));
        } finally {
            Tunnels.removeUploadedJavaAgent();
        }
        System.out.println(md);
        Path report = Path.of(System.getProperty("it.reports", "target"), "start-footprint-report.md");
        Files.writeString(report, md);
        System.out.println("wrote " + report);
    }

    private static List<Starter> starters() {
        List<Starter> all = new ArrayList<>(List.of(
                new Starter("ssh -L", StartAndFootprintBenchmarkTest::sshForward,
                        t -> new InetSocketAddress(InetAddress.getLoopbackAddress(), FORWARD_ECHO_PORT)),
                new Starter("stock sshuttle", t -> t.client().start(log(t, "stock"), "sshuttle", "--method", "nat",
                        "-e", t.ssh().sshCommand(), "-r", t.ssh().destination(), t.targetSubnet()), Topology::echo),
                new Starter("ours, python agent", t -> ours(t, "python"), Topology::echo),
                new Starter("ours, python agent, --dns", t -> ours(t, "python", "--dns"), Topology::echo),
                new Starter("ours, java agent", t -> ours(t, "java"), Topology::echo)));
        if (!BASELINE.isEmpty()) {
            Path root = Path.of(BASELINE);
            all.add(new Starter(baselineName("python agent"), t -> ours(t, root, "python"), Topology::echo));
            all.add(new Starter(baselineName("python agent, --dns"), t -> ours(t, root, "python", "--dns"), Topology::echo));
            all.add(new Starter(baselineName("java agent"), t -> ours(t, root, "java"), Topology::echo));
        }
        return all;
    }

    private static String baselineName(String what) {
        return "before (" + baselineCommit() + "), " + what;
    }

    private static String baselineCommit() {
        Path name = Path.of(BASELINE).getFileName();
        return name == null ? BASELINE : name.toString();
    }

    /** Every starter STARTS times, taking turns; the median and the range per starter. */
    private static String startTimes(Topology t) throws IOException {
        List<Starter> starters = starters();
        Map<String, List<Double>> seconds = new LinkedHashMap<>();
        Map<String, List<String>> timelines = new LinkedHashMap<>();
        starters.forEach(s -> seconds.put(s.name(), new ArrayList<>()));
        // the first Java agent start uploads the jar: not what a user meets every day
        BackgroundProcess warm = ours(t, "java");
        try {
            timeToEcho(t, warm, t.echo(), System.nanoTime());
        } finally {
            stop(t, warm);
        }
        for (String floor : FLOORS) seconds.put(floor, new ArrayList<>());
        agentAlone(t, false); // the first Java agent session of a jar also writes its class-data archive
        agentAlone(t, true);
        for (int run = 0; run < STARTS; run++) {
            seconds.get(FLOORS.get(0)).add(agentAlone(t, false));
            seconds.get(FLOORS.get(1)).add(agentAlone(t, true));
            for (Starter s : starters) {
                long t0 = System.nanoTime();
                BackgroundProcess p = s.start().apply(t);
                try {
                    seconds.get(s.name()).add(timeToEcho(t, p, s.echo().apply(t), t0));
                    if (run == STARTS - 1) {
                        List<String> lines = p.log().lines().filter(l -> l.contains("sshuttle: start +")).toList();
                        int first = 0; // the log is appended to: this start's lines are the last block
                        for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains("the JVM runs main()")) first = i;
                        timelines.put(s.name(), lines.subList(first, lines.size()));
                    }
                } finally {
                    stop(t, p);
                }
            }
        }
        StringBuilder md = new StringBuilder("## Start: command -> first tunnelled echo (s)\n\n")
                .append(String.format("%d starts each, taking turns, from just before the exec (of `ip netns exec`, the same for all) to the first echoed byte;"
                        + " a connection to the target's echo retried with a %d ms connect timeout.%n%n", STARTS, POLL_CONNECT_TIMEOUT.toMillis()))
                .append("| contender | median | min | max | all |\n|---|---:|---:|---:|---|\n");
        seconds.forEach((name, list) -> {
            List<Double> sorted = list.stream().sorted().toList();
            md.append(String.format("| %s | %.3f | %.3f | %.3f | %s |%n", name, sorted.get(sorted.size() / 2), sorted.getFirst(),
                    sorted.getLast(), list.stream().map(d -> String.format("%.3f", d)).toList()));
        });
        timelines.forEach((name, lines) -> {
            if (lines.isEmpty()) return;
            md.append("\n").append(name).append(", the last start's timeline (-v):\n\n```\n");
            lines.forEach(l -> md.append(l).append('\n'));
            md.append("```\n");
        });
        return md.toString();
    }

    /** The rows of {@link #agentAlone}: what a start costs before any client work. */
    static final List<String> FLOORS = List.of("floor: ssh + python agent to its sync header, no client",
            "floor: ssh + java agent to its sync header, no client");

    /**
     * Seconds from the exec of ssh (in the client namespace, the same ssh options as ours) to the
     * agent's sync header on its stdout, the agent started exactly as our client starts it (the
     * same remote command and stdin: the compressed Python agent, or the cached jar's check) but
     * with no client JVM, firewall helper or rules around it: the part of a start that only a
     * faster ssh or remote interpreter could shorten.
     */
    private static double agentAlone(Topology t, boolean java) throws IOException {
        AgentOptions options = AgentOptions.defaults(2);
        JavaAgentUpload upload = null;
        String command;
        byte[] preamble;
        if (java) {
            Path cache = Path.of(System.getProperty("user.home"), ".cache", "sshuttle-java");
            upload = new JavaAgentUpload(AgentJar.of(Tunnels.repositoryRoot().resolve("tunnel/target/sshuttle.jar"), cache));
            command = upload.remoteCommand(null);
            preamble = options.toJsonLine().getBytes(StandardCharsets.UTF_8);
        } else {
            AgentBootstrap python = AgentBootstrap.python();
            command = python.remoteCommand();
            preamble = python.stdinPreamble(options);
        }
        ProcessBuilder pb = new ProcessBuilder(t.client().argv(t.ssh().sshArgv(command)))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        long t0 = System.nanoTime();
        Process ssh = pb.start();
        try (InputStream in = ssh.getInputStream(); OutputStream out = ssh.getOutputStream()) {
            if (upload != null) upload.upload(in, out);
            out.write(preamble);
            out.flush();
            byte[] want = "SSHUTTLE000".getBytes(StandardCharsets.US_ASCII);
            int matched = 0;
            for (int b; matched < want.length && (b = in.read()) >= 0; ) matched = b == want[matched] ? matched + 1 : (b == want[0] ? 1 : 0);
            if (matched < want.length) throw new IOException("ssh ended before the agent's sync header (exit " + ssh.waitFor() + ")");
            return (System.nanoTime() - t0) / 1e9;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            ssh.destroy(); // the agent sees its stdin end and exits
            try {
                if (!ssh.waitFor(10, TimeUnit.SECONDS)) ssh.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ProcessTree.assertNoneLeft(t.gateway(), ProcessTree.agent(), "the remote agent", Duration.ofSeconds(15));
        }
    }

    /**
     * Seconds from t0 (just before the exec) to the first byte echoed through p: one thread in
     * the client namespace retries a connection every few ms (a SYN sent before the rules exist
     * goes nowhere and times out after POLL_CONNECT_TIMEOUT).
     */
    private static double timeToEcho(Topology t, BackgroundProcess p, InetSocketAddress echo, long t0) {
        Double seconds = t.client().call(() -> {
            long deadline = System.nanoTime() + START_LIMIT.toNanos();
            while (System.nanoTime() < deadline && p.isAlive()) {
                try (Socket s = new Socket()) {
                    s.connect(echo, (int) POLL_CONNECT_TIMEOUT.toMillis());
                    s.setSoTimeout(5000);
                    s.getOutputStream().write(7);
                    if (s.getInputStream().read() == 7) return (System.nanoTime() - t0) / 1e9;
                } catch (IOException notYet) {
                    Thread.sleep(2); // no rules yet, or the forward does not listen yet
                }
            }
            return null;
        });
        if (seconds == null) throw new IllegalStateException("no echo within " + START_LIMIT + " (alive: " + p.isAlive() + "): " + p.tail());
        return seconds;
    }

    /** Per agent: RSS of client and agent through the mixed connections and a bulk download. */
    private static String footprint(Topology t) {
        StringBuilder md = new StringBuilder("## Memory: RSS (MiB) after the load\n\n")
                .append(String.format("%d mixed connections (%d at a time), then %d s of bulk download at full speed; peak sampled every"
                        + " 250 ms, end after %d s of quiet.%n%n", CONNECTIONS, CONCURRENCY, BULK.toSeconds(), SETTLE.toSeconds()))
                .append(idleJvmFloor()).append('\n')
                .append("| agent | client at start | client after connections | client peak | client end | agent at start"
                        + " | agent after connections | agent peak | agent end | bulk MB/s | connections/s | unexpected |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        List<Path> roots = new ArrayList<>(List.of(Tunnels.repositoryRoot()));
        if (!BASELINE.isEmpty()) roots.add(Path.of(BASELINE));
        for (String agent : List.of("python", "java")) for (Path root : roots) {
            String label = root.equals(Tunnels.repositoryRoot()) ? agent : agent + ", before (" + baselineCommit() + ")";
            try (BackgroundProcess client = ours(t, root, agent)) {
                timeToEcho(t, client, t.echo(), System.nanoTime());
                ProcessTree.Proc agentProc = ProcessTree.awaitOne(t.gateway(), ProcessTree.agent(), agent + " agent", Duration.ofSeconds(20));
                long c0 = ProcessGauge.rssKb(client.pid());
                long a0 = ProcessGauge.rssKb(agentProc.pid());
                Peak peak = new Peak(client.pid(), agentProc.pid());
                MixedLoad.Result load;
                double bulkMb;
                long c1;
                long a1;
                try (peak) {
                    load = MixedLoad.run(t.client().threadFactory(), MixedLoad.Targets.of(t), CONNECTIONS, CONCURRENCY, LOAD_BUDGET);
                    c1 = ProcessGauge.rssKb(client.pid());
                    a1 = ProcessGauge.rssKb(agentProc.pid());
                    try (BulkTransfer bulk = BulkTransfer.start(t.client().threadFactory(), t.source(), 16L << 30, BULK)) {
                        sleep(BULK);
                        bulk.stop();
                        bulkMb = bulk.mbPerSecond();
                    }
                    sleep(SETTLE);
                }
                long c2 = ProcessGauge.rssKb(client.pid());
                long a2 = ProcessGauge.rssKb(agentProc.pid());
                md.append(String.format("| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f | %.0f | %d |%n", label,
                        mib(c0), mib(c1), mib(peak.client), mib(c2), mib(a0), mib(a1), mib(peak.agent), mib(a2), bulkMb,
                        load.attempted() / Math.max(1e-9, load.elapsed().toNanos() / 1e9), load.unexpected()));
                if (NMT) {
                    System.out.println("client mappings:\n" + Smaps.largest(client.pid(), 12));
                    System.out.println("agent mappings:\n" + Smaps.largest(agentProc.pid(), 12));
                    System.out.println("client NMT:\n" + jcmd(client.pid(), "VM.native_memory", "summary"));
                    if (agent.equals("java")) System.out.println("agent NMT:\n" + jcmd(agentProc.pid(), "VM.native_memory", "summary"));
                }
                if (HISTOGRAM) {
                    // what is live (the histogram collects first), against what the heap grew to
                    System.out.println("client heap:\n" + jcmd(client.pid(), "GC.heap_info") + top(jcmd(client.pid(), "GC.class_histogram"), 25));
                    if (agent.equals("java")) {
                        System.out.println("agent heap:\n" + jcmd(agentProc.pid(), "GC.heap_info") + top(jcmd(agentProc.pid(), "GC.class_histogram"), 25));
                    }
                }
                System.out.println(label + ": " + load + "; client smaps: " + Smaps.summary(client.pid()) + "; agent smaps: "
                        + Smaps.summary(agentProc.pid()));
                stop(t, client);
            }
        }
        return md.toString();
    }

    /**
     * The floor: RSS of a JVM that only waits ({@link IdleJvm}), with the client's options
     * (tunnel/jvm.options), with the JDK's default class-data archive and with none, as one line.
     */
    private static String idleJvmFloor() {
        Path options = Tunnels.repositoryRoot().resolve("tunnel/jvm.options");
        StringBuilder line = new StringBuilder("An idle JVM with the client's options (tunnel/jvm.options), RSS after 1 s:");
        for (List<String> extra : List.of(List.<String>of(), List.of("-Xshare:off"))) {
            List<String> argv = new ArrayList<>(List.of(Contender.java(), "@" + options));
            argv.addAll(extra);
            argv.addAll(List.of("-cp", Contender.benchClasses(), IdleJvm.class.getName()));
            try {
                Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
                try {
                    p.getInputStream().read(); // it runs main()
                    sleep(Duration.ofSeconds(1));
                    line.append(String.format(" %.1f MiB (%s, %s)", mib(ProcessGauge.rssKb(p.pid())),
                            extra.isEmpty() ? "the JDK's class-data archive" : "-Xshare:off", Smaps.summary(p.pid())));
                } finally {
                    p.getOutputStream().close();
                    if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
                }
            } catch (IOException e) {
                line.append(" (could not run: ").append(e.getMessage()).append(')');
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return line.append(".\n").toString();
    }

    /** Samples both processes' RSS every 250 ms and keeps the maxima. */
    private static final class Peak implements AutoCloseable {
        volatile long client;
        volatile long agent;
        private final Thread thread;
        private volatile boolean done;

        Peak(long clientPid, long agentPid) {
            thread = Thread.ofPlatform().daemon().name("rss-peak").start(() -> {
                while (!done) {
                    try {
                        client = Math.max(client, ProcessGauge.rssKb(clientPid));
                        agent = Math.max(agent, ProcessGauge.rssKb(agentPid));
                    } catch (IllegalStateException gone) {
                        return;
                    }
                    sleep(Duration.ofMillis(250));
                }
            });
        }

        @Override
        public void close() {
            done = true;
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** RSS split as /proc/PID/status has it: anonymous and file-backed. */
    static final class Smaps {
        /** The `count` mappings with the most resident KiB: "rss KiB  size KiB  name". */
        static String largest(long pid, int count) {
            try {
                List<String[]> maps = new ArrayList<>();
                String header = null;
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps"))) {
                    if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) header = line;
                    else if (line.startsWith("Rss:") && header != null) maps.add(new String[] {line.replaceAll("\\D", ""), header});
                }
                maps.sort((a, b) -> Long.compare(Long.parseLong(b[0]), Long.parseLong(a[0])));
                StringBuilder out = new StringBuilder();
                for (String[] m : maps.subList(0, Math.min(count, maps.size()))) {
                    String[] f = m[1].split("\\s+", 6);
                    String[] range = f[0].split("-");
                    long sizeKb = (Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16)) / 1024;
                    out.append(String.format("  %7s KiB of %8d KiB %s %s%n", m[0], sizeKb, f[1], f.length > 5 ? f[5] : "[anon]"));
                }
                return out.toString();
            } catch (IOException e) {
                return "(gone)";
            }
        }

        static String summary(long pid) {
            try {
                Map<String, String> v = new LinkedHashMap<>();
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    for (String key : List.of("RssAnon", "RssFile", "Threads")) {
                        if (line.startsWith(key + ":")) v.put(key, line.substring(key.length() + 1).strip());
                    }
                }
                return v.toString();
            } catch (IOException e) {
                return "(gone)";
            }
        }
    }

    /** The launcher as users run it: ./sshuttle -e ... -r ... SUBNET --agent A [extra]. */
    private static BackgroundProcess ours(Topology t, String agent, String... extra) {
        return ours(t, Tunnels.repositoryRoot(), agent, extra);
    }

    /** As above, with the launcher of the checkout at root. */
    private static BackgroundProcess ours(Topology t, Path root, String agent, String... extra) {
        Path launcher = root.resolve("sshuttle");
        List<String> argv = new ArrayList<>();
        boolean mine = root.equals(Tunnels.repositoryRoot()); // the options under test are for this checkout only
        if (mine && !(JAVA_OPTS + ENV).isBlank()) {
            argv.add("env");
            if (!JAVA_OPTS.isEmpty()) argv.add("SSHUTTLE_JAVA_OPTS=" + JAVA_OPTS);
            if (!ENV.isBlank()) argv.addAll(List.of(ENV.strip().split("\\s+")));
        }
        argv.addAll(List.of(launcher.toString(), "-v", "-e", t.ssh().sshCommand(), "-r", t.ssh().destination(), "--agent", agent,
                t.targetSubnet()));
        if (mine && agent.equals("java") && !AGENT_OPTS.isEmpty()) argv.addAll(List.of("--remote-java", agentJavaWrapper(t).toString()));
        argv.addAll(Arrays.asList(extra));
        String name = (mine ? "ours-" : "before-") + agent;
        return t.client().start(log(t, name), argv.toArray(String[]::new));
    }

    /** A "java" for the remote that adds AGENT_OPTS in front of the agent's own options. */
    private static Path agentJavaWrapper(Topology t) {
        Path wrapper = t.workDir().resolve("agent-java");
        try {
            Files.writeString(wrapper, "#!/bin/sh\nexec env " + ENV + " " + Contender.java() + " " + AGENT_OPTS + " \"$@\"\n");
            wrapper.toFile().setExecutable(true);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return wrapper;
    }

    private static String top(String text, int lines) {
        return String.join("\n", text.lines().limit(lines).toList()) + "\n";
    }

    private static String jcmd(long pid, String... command) {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid)));
        argv.addAll(List.of(command));
        dev.sshuttle.it.sys.Cmd.Result r = dev.sshuttle.it.sys.Cmd.run(Duration.ofSeconds(20), argv);
        return r.stdout() + r.stderr();
    }

    private static BackgroundProcess sshForward(Topology t) {
        List<String> argv = new ArrayList<>(t.ssh().sshArgv());
        argv.addAll(1, List.of("-N", "-o", "ExitOnForwardFailure=yes",
                "-L", "127.0.0.1:" + FORWARD_ECHO_PORT + ":" + t.targetIp().getHostAddress() + ":" + TargetServices.ECHO_PORT));
        return t.client().start(log(t, "ssh-L"), argv.toArray(String[]::new));
    }

    private static Path log(Topology t, String name) {
        return t.workDir().resolve("start-footprint-" + name + ".log");
    }

    private static void stop(Topology t, BackgroundProcess p) {
        try {
            p.process().destroy();
            p.process().waitFor(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            p.close();
        }
        FirewallRules.assertNoneLeft(t.client(), "after a start/footprint run");
        ProcessTree.assertNoneLeft(t.gateway(), ProcessTree.agent(), "the remote agent", Duration.ofSeconds(15));
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static double mib(long kb) {
        return kb / 1024.0;
    }

    private static String git(String... args) {
        List<String> argv = new ArrayList<>(List.of("git", "-C", Tunnels.repositoryRoot().toString()));
        argv.addAll(List.of(args));
        dev.sshuttle.it.sys.Cmd.Result r = dev.sshuttle.it.sys.Cmd.run(Duration.ofSeconds(10), argv);
        return r.ok() ? r.stdout().strip() : "?";
    }
}
