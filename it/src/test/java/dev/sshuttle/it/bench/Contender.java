package dev.sshuttle.it.bench;

import static org.awaitility.Awaitility.await;

import dev.sshuttle.it.gates.FirewallRules;
import dev.sshuttle.it.gates.ProcessGauge;
import dev.sshuttle.it.gates.ProcessTree;
import dev.sshuttle.it.target.TargetServices;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.tunnel.Tunnels;
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
            List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "@" + root.resolve("tunnel/jvm.options"), "-jar", jar.toString(),
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

    /** The processes carrying this contender's bytes now; iperf3 and the JVM's own sockets are not among them. */
    List<ProcessTree.Proc> tunnelProcesses() {
        List<ProcessTree.Proc> all = new ArrayList<>();
        ProcessTree.info(process.pid()).ifPresent(all::add);
        all.addAll(ProcessTree.descendants(process.pid()));
        ProcessTree.descendants(t.ssh().pid()).stream().filter(p -> !sshdBefore.contains(p.pid())).forEach(all::add);
        return all;
    }

    /** utime + stime in clock ticks of every tunnel process now, by PID (a process that just exited is left out). */
    Map<Long, Long> cpuTicks() {
        Map<Long, Long> ticks = new HashMap<>();
        for (ProcessTree.Proc p : tunnelProcesses()) {
            try {
                ticks.put(p.pid(), ProcessGauge.cpuTicks(p.pid()));
            } catch (IllegalStateException gone) {
                // exited between listing and reading: nothing more to count for it
            }
        }
        return ticks;
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
