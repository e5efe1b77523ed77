package dev.sshuttle.it.bench;

import static org.awaitility.Awaitility.await;

import dev.sshuttle.it.gates.FirewallRules;
import dev.sshuttle.it.gates.ProcessGauge;
import dev.sshuttle.it.gates.ProcessTree;
import dev.sshuttle.it.target.TargetServices;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.tunnel.Tunnels;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One way from the client namespace to the target's iperf3 and echo services, running: ssh -L,
 * stock sshuttle, or ours. Knows the processes that carry its bytes (for CPU accounting): its
 * own process and descendants in the client namespace, and the sshd processes that appeared
 * under the gateway's listening sshd since it started (the session, the remote agent).
 */
final class Contender implements AutoCloseable {
    /** Every contender's ssh pays the same crypto. */
    static final String CIPHER = "chacha20-poly1305@openssh.com";
    static final Duration READY_WITHIN = Duration.ofSeconds(60);
    static final Duration STOP_WITHIN = Duration.ofSeconds(15);
    static final int FORWARD_IPERF_PORT = 15201;
    static final int FORWARD_ECHO_PORT = 15007;

    /** How to start one contender; ours: compared with ssh -L in the table and the checks. */
    record Spec(String name, boolean ours, Starter starter) {}

    @FunctionalInterface
    interface Starter {
        Contender start(Topology t, String name);
    }

    private final Topology t;
    private final String name;
    private final BackgroundProcess process;
    private final InetSocketAddress iperf3;
    private final InetSocketAddress echo;
    private final boolean transparent;
    private final Set<Long> sshdBefore;

    private Contender(Topology t, String name, BackgroundProcess process, InetSocketAddress iperf3, InetSocketAddress echo,
                      boolean transparent, Set<Long> sshdBefore) {
        this.t = t;
        this.name = name;
        this.process = process;
        this.iperf3 = iperf3;
        this.echo = echo;
        this.transparent = transparent;
        this.sshdBefore = sshdBefore;
    }

    /**
     * Where a contender's ssh connects: the gateway's sshd itself, or something in front of it in
     * the client namespace (a delaying relay), as host and port.
     */
    record SshPath(String host, int port) {
        static SshPath direct(Topology t) {
            return new SshPath(t.gatewayIp().getHostAddress(), t.ssh().port());
        }

        String destination() {
            return "root@" + host;
        }
    }

    /** The contenders that carry iperf3 and echo connections (all but the raw ssh pipe), in table order, straight to sshd. */
    static List<Spec> all() {
        return all(SshPath::direct);
    }

    /** As {@link #all()}, every ssh going the given path. */
    static List<Spec> all(java.util.function.Function<Topology, SshPath> path) {
        return List.of(
                new Spec("ssh -L", false, (t, n) -> sshForward(t, n, path.apply(t))),
                new Spec("stock sshuttle", false, (t, n) -> transparent(t, n, List.of("sshuttle", "--method", "nat",
                        "-e", sshCommand(t, path.apply(t)), "-r", path.apply(t).destination(), t.targetSubnet()))),
                new Spec(RELAYED, false, (t, n) -> relayed(t, n, path.apply(t))),
                new Spec("ours, python agent", true, (t, n) -> ours(t, n, path.apply(t), "python")),
                new Spec("ours, java agent", true, (t, n) -> ours(t, n, path.apply(t), "java")));
    }

    /**
     * Ours as built in another checkout at root (its tunnel/target/sshuttle.jar and its
     * tunnel/jvm.options, started as {@link #ours} starts this checkout's), named "before (DIR), AGENT agent":
     * a regression check in the same run.
     */
    static Spec before(Path root, String agent) {
        String name = "before (" + root.getFileName() + "), " + agent + " agent";
        return new Spec(name, true, (t, n) -> {
            Path jar = root.resolve("tunnel/target/sshuttle.jar");
            if (!Files.isRegularFile(jar)) throw new IllegalStateException("no jar at " + jar + ": build that checkout first");
            Set<Long> before = sshdProcesses(t);
            List<String> argv = new ArrayList<>(List.of(java(), "@" + root.resolve("tunnel/jvm.options"), "-jar", jar.toString(),
                    "-e", sshCommand(t), "-r", t.ssh().destination(), "--agent", agent, t.targetSubnet()));
            BackgroundProcess p = t.client().start(t.workDir().resolve(logName(n)), argv.toArray(String[]::new));
            return connected(t, n, p, before);
        });
    }

    /** The topology's ssh command (sshuttle's -e) with the benchmark's cipher. */
    static String sshCommand(Topology t) {
        return sshCommand(t, SshPath.direct(t));
    }

    /** As {@link #sshCommand(Topology)}, to the given path's port. */
    static String sshCommand(Topology t, SshPath path) {
        return t.ssh().sshCommand(path.port()) + " -c " + CIPHER;
    }

    /** Full ssh argv to the gateway with the benchmark's cipher, then options, destination and remote command. */
    static List<String> sshArgv(Topology t, List<String> options, String... remoteCommand) {
        return sshArgv(t, SshPath.direct(t), options, remoteCommand);
    }

    /** As {@link #sshArgv(Topology, List, String...)}, along the given path. */
    static List<String> sshArgv(Topology t, SshPath path, List<String> options, String... remoteCommand) {
        List<String> argv = new ArrayList<>(t.ssh().sshArgvVia(path.host(), path.port(), remoteCommand));
        List<String> extra = new ArrayList<>(List.of("-c", CIPHER));
        extra.addAll(options);
        argv.addAll(1, extra);
        return argv;
    }

    /** ssh -N -L for iperf3 and echo on 127.0.0.1 of the client namespace, once both forwards accept. */
    private static Contender sshForward(Topology t, String name, SshPath path) {
        String target = t.targetIp().getHostAddress();
        List<String> argv = sshArgv(t, path, List.of("-N", "-o", "ExitOnForwardFailure=yes",
                "-L", "127.0.0.1:" + FORWARD_IPERF_PORT + ":" + target + ":" + Iperf3.PORT,
                "-L", "127.0.0.1:" + FORWARD_ECHO_PORT + ":" + target + ":" + TargetServices.ECHO_PORT));
        Set<Long> before = sshdProcesses(t);
        BackgroundProcess p = t.client().start(t.workDir().resolve(logName(name)), argv.toArray(String[]::new));
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Contender c = new Contender(t, name, p, new InetSocketAddress(loopback, FORWARD_IPERF_PORT),
                new InetSocketAddress(loopback, FORWARD_ECHO_PORT), false, before);
        c.awaitEcho();
        return c;
    }

    static final String RELAYED = "ssh -L, a plain relay at each end";
    private static final int RELAY_IPERF_PORT = 16201;
    private static final int RELAY_ECHO_PORT = 16007;
    private static final int REMOTE_RELAY_IPERF_PORT = 25201;
    private static final int REMOTE_RELAY_ECHO_PORT = 25007;

    /**
     * ssh -L with a {@link PlainRelay} in front of it (client namespace) and one behind it (on the
     * gateway, started by the same ssh): as many processes on the path as ours, none of them doing
     * more than copying. The client-side relay starts ssh, so both count as this contender's.
     */
    private static Contender relayed(Topology t, String name, SshPath path) {
        String target = t.targetIp().getHostAddress();
        List<String> relay = List.of(java(), "-XX:+UseSerialGC", "-Xmx64m", "-cp", benchClasses(), PlainRelay.class.getName());
        String remote = String.join(" ", relay) + " 127.0.0.1:" + REMOTE_RELAY_IPERF_PORT + "=" + target + ":" + Iperf3.PORT
                + " 127.0.0.1:" + REMOTE_RELAY_ECHO_PORT + "=" + target + ":" + TargetServices.ECHO_PORT + " --until-stdin-ends";
        List<String> argv = new ArrayList<>(relay);
        argv.addAll(List.of("127.0.0.1:" + RELAY_IPERF_PORT + "=127.0.0.1:" + FORWARD_IPERF_PORT,
                "127.0.0.1:" + RELAY_ECHO_PORT + "=127.0.0.1:" + FORWARD_ECHO_PORT, "--exec"));
        argv.addAll(sshArgv(t, path, List.of("-o", "ExitOnForwardFailure=yes",
                "-L", "127.0.0.1:" + FORWARD_IPERF_PORT + ":127.0.0.1:" + REMOTE_RELAY_IPERF_PORT,
                "-L", "127.0.0.1:" + FORWARD_ECHO_PORT + ":127.0.0.1:" + REMOTE_RELAY_ECHO_PORT), remote));
        Set<Long> before = sshdProcesses(t);
        BackgroundProcess p = t.client().start(t.workDir().resolve(logName(name)), argv.toArray(String[]::new));
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Contender c = new Contender(t, name, p, new InetSocketAddress(loopback, RELAY_IPERF_PORT),
                new InetSocketAddress(loopback, RELAY_ECHO_PORT), false, before);
        c.awaitEcho();
        return c;
    }

    /** This JVM's java, for the JVMs a benchmark starts itself. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Where the benchmarks' own classes are (PlainRelay, IdleJvm): the class path of a JVM that runs one of them. */
    static String benchClasses() {
        try {
            return Path.of(Contender.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Our client as users start it: the launcher's JVM options, -e/-r, --agent, the target subnet. */
    /** Ours with the given agent along path, with extra client arguments before the subnet. */
    static Contender ours(Topology t, String name, SshPath path, String agent, String... extra) {
        Set<Long> before = sshdProcesses(t);
        List<String> args = new ArrayList<>(List.of("--agent", agent));
        args.addAll(List.of(extra));
        args.add(t.targetSubnet());
        BackgroundProcess p = Tunnels.startVia(t, logName(name).replace(".log", ""), sshCommand(t, path), path.destination(),
                args.toArray(String[]::new));
        return connected(t, name, p, before);
    }

    private static Contender transparent(Topology t, String name, List<String> argv) {
        Set<Long> before = sshdProcesses(t);
        BackgroundProcess p = t.client().start(t.workDir().resolve(logName(name)), argv.toArray(String[]::new));
        return connected(t, name, p, before);
    }

    private static Contender connected(Topology t, String name, BackgroundProcess p, Set<Long> sshdBefore) {
        Contender c = new Contender(t, name, p, new InetSocketAddress(t.targetIp(), Iperf3.PORT), t.echo(), true, sshdBefore);
        try {
            p.awaitLog("Connected to server", READY_WITHIN);
            c.awaitEcho();
        } catch (RuntimeException | AssertionError e) {
            c.close();
            throw e;
        }
        return c;
    }

    private static String logName(String name) {
        return "bench-" + name.replaceAll("[^A-Za-z0-9]+", "-") + ".log";
    }

    /** An echo through the contender works (ssh -L: the forward listens; ours: the rules are in). */
    private void awaitEcho() {
        try {
            await().atMost(READY_WITHIN).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
                if (!process.isAlive()) throw new IllegalStateException(name + " exited: " + process.tail());
                try (Socket s = t.client().connect(echo, Duration.ofSeconds(2))) {
                    s.setSoTimeout(5000);
                    s.getOutputStream().write(1);
                    return s.getInputStream().read() == 1;
                }
            });
        } catch (ConditionTimeoutException e) {
            close();
            throw new IllegalStateException(name + " carried no echo within " + READY_WITHIN + "; log:\n" + process.tail(), e);
        }
    }

    private static Set<Long> sshdProcesses(Topology t) {
        Set<Long> pids = new HashSet<>();
        ProcessTree.descendants(t.ssh().pid()).forEach(p -> pids.add(p.pid()));
        return pids;
    }

    String name() {
        return name;
    }

    InetSocketAddress iperf3() {
        return iperf3;
    }

    InetSocketAddress echo() {
        return echo;
    }

    /** The processes carrying this contender's bytes now, each with its role; iperf3 and the JVM's own sockets are not among them. */
    private Map<Long, String> tunnelProcesses() {
        Map<Long, String> roles = new HashMap<>();
        ProcessTree.info(process.pid()).ifPresent(p -> roles.put(p.pid(), role(p, false)));
        ProcessTree.descendants(process.pid()).forEach(p -> roles.put(p.pid(), role(p, false)));
        ProcessTree.descendants(t.ssh().pid()).stream().filter(p -> !sshdBefore.contains(p.pid()))
                .forEach(p -> roles.put(p.pid(), role(p, true)));
        return roles;
    }

    /**
     * What a process is, for the per-process CPU breakdown: "ssh", "sshd", "client (java)",
     * "firewall (java)", "agent (python3)"... by its command line and its side of the tunnel.
     */
    static String role(ProcessTree.Proc p, boolean remote) {
        String cmd = p.cmdline();
        if (cmd.startsWith("sshd")) return "sshd";
        String argv0 = cmd.isEmpty() ? "?" : Path.of(cmd.split(" ", 2)[0]).getFileName().toString();
        if (argv0.equals("ssh")) return "ssh";
        boolean interpreter = argv0.startsWith("java") || argv0.startsWith("python");
        if (!interpreter) return (remote ? "remote " : "") + argv0;
        if (cmd.contains(PlainRelay.class.getSimpleName())) return (remote ? "remote " : "") + "relay (java)";
        String kind = argv0.startsWith("java") ? "java" : "python";
        if (remote) return "agent (" + kind + ")";
        if (cmd.contains("--firewall")) return "firewall (" + kind + ")";
        return "client (" + kind + ")";
    }

    /** CPU time, context switches and read/write calls of every tunnel process now, by PID (a process that just exited is left out). */
    Map<Long, CpuTicks> cpuTicks() {
        Map<Long, CpuTicks> ticks = new HashMap<>();
        for (Map.Entry<Long, String> p : tunnelProcesses().entrySet()) {
            try {
                ticks.put(p.getKey(), CpuTicks.of(p.getKey(), p.getValue()));
            } catch (IllegalStateException | IOException gone) {
                // exited between listing and reading: nothing more to count for it
            }
        }
        return ticks;
    }

    /**
     * One process so far: its role (see {@link #role}), utime + stime (and utime alone) in clock ticks, context
     * switches of all its threads (voluntary: it waited, mostly for I/O; involuntary: it was
     * preempted), and its read- and write-like system calls (/proc/PID/io syscr + syscw: read,
     * readv, write, writev... of sockets and pipes alike).
     */
    record CpuTicks(String role, long ticks, long userTicks, long switches, long syscalls) {
        static CpuTicks of(long pid, String role) throws IOException {
            String[] f = ProcessGauge.statFields(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
            long userTicks = Long.parseLong(f[11]); // utime and stime, as ProcessGauge.cpuTicks reads them
            long ticks = userTicks + Long.parseLong(f[12]);
            long switches = 0;
            try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        for (String line : Files.readAllLines(task.resolve("status"))) {
                            if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                                switches += Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                            }
                        }
                    } catch (IOException threadEnded) {
                        // a thread that ended took its count with it
                    }
                }
            }
            long syscalls = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "io"))) {
                if (line.startsWith("syscr:") || line.startsWith("syscw:")) syscalls += Long.parseLong(line.substring(6).strip());
            }
            return new CpuTicks(role, ticks, userTicks, switches, syscalls);
        }

        /** What was spent between two samples, summed per role (a process new in {@code after} counts from 0). */
        static Map<String, CpuTicks> spentByRole(Map<Long, CpuTicks> before, Map<Long, CpuTicks> after) {
            Map<String, CpuTicks> spent = new TreeMap<>();
            after.forEach((pid, a) -> {
                CpuTicks b = before.getOrDefault(pid, new CpuTicks(a.role(), 0, 0, 0, 0));
                spent.merge(a.role(), new CpuTicks(a.role(), a.ticks() - b.ticks(), a.userTicks() - b.userTicks(),
                        a.switches() - b.switches(), a.syscalls() - b.syscalls()), (x, y) -> new CpuTicks(x.role(),
                        x.ticks() + y.ticks(), x.userTicks() + y.userTicks(), x.switches() + y.switches(), x.syscalls() + y.syscalls()));
            });
            return spent;
        }
    }

    /**
     * SIGTERM, then whatever is left of its tree; a transparent one must leave no firewall rule.
     * The sshd processes it started (session, agent) get STOP_WITHIN to go, then are killed by
     * PID with a warning: the next contender's CPU accounting leaves them out anyway.
     */
    @Override
    public void close() {
        try {
            process.process().destroy();
            process.process().waitFor(STOP_WITHIN.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            process.close();
        }
        if (transparent) FirewallRules.assertNoneLeft(t.client(), name + " stopped with SIGTERM");
        try {
            await().atMost(STOP_WITHIN).pollInterval(Duration.ofMillis(100))
                    .until(() -> sshdBefore.containsAll(sshdProcesses(t)));
        } catch (ConditionTimeoutException e) {
            List<ProcessTree.Proc> left = ProcessTree.descendants(t.ssh().pid()).stream().filter(p -> !sshdBefore.contains(p.pid())).toList();
            System.out.println("warning: " + name + ": sshd processes still running " + STOP_WITHIN + " after it stopped, killed: " + left);
            left.forEach(p -> ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
