package dev.sshuttle.it.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.gates.ConnectionLoad;
import dev.sshuttle.it.gates.ProcessGauge;
import dev.sshuttle.it.target.SourceService;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Netns;
import dev.sshuttle.testkit.Prerequisites;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import dev.sshuttle.it.tunnel.Tunnels;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Throughput and connection rate through the real thing (client namespace, real ssh to the
 * gateway's sshd, target behind it), printed as ratios to baselines measured in the same run:
 * the direct path (gateway to target, no tunnel), raw ssh (bytes through the same ssh
 * connection setup, no mux), and Debian's stock sshuttle. Bounded: one download of
 * {@link #BYTES} and {@link #CONNECTIONS} connections per contender. Writes
 * it/target/bench-report.md. One gate: our tunnel must not be slower than stock sshuttle.
 */
@ExtendWith(TopologyExtension.class)
class TunnelBenchmarkTest {
    static final long BYTES = Long.getLong("bench.bytes", 200L << 20);
    /**
     * A count, not a time budget: every connection leaves a TIME_WAIT socket on the gateway
     * for 60 s, and once tens of thousands pile up towards the same target port, connect()
     * itself slows down for whoever comes next. A fixed count keeps the contenders equal.
     */
    static final int CONNECTIONS = Integer.getInteger("bench.connections", 2000);
    static final Duration CONNECT_BUDGET = Duration.ofSeconds(30);
    static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 16);
    static final Duration CONNECT_WITHIN = Duration.ofSeconds(60);

    /** clientRssMiB: the client process's resident memory after its download and connections (NaN: no client). */
    record Row(String name, double mbPerSecond, double connectionsPerSecond, double clientRssMiB) {
        Row(String name, double mbPerSecond, double connectionsPerSecond) {
            this(name, mbPerSecond, connectionsPerSecond, Double.NaN);
        }
    }

    @Test
    void throughputAndConnectionRateAgainstBaselines(Topology t) throws Exception {
        Prerequisites.requireTools("sshuttle", "iptables", "ssh");
        // Every short connection leaves a TIME_WAIT socket in the client and gateway namespaces;
        // once the ephemeral ports towards the one echo port are used up, connect() stalls and
        // whoever runs later measures the port shortage. Reusing TIME_WAIT ports for outgoing
        // connections keeps the contenders equal (namespace-local sysctls of this topology).
        for (Netns ns : List.of(t.client(), t.gateway())) ns.runOrThrow("sysctl", "-q", "-w", "net.ipv4.tcp_tw_reuse=1");
        List<Row> rows = new ArrayList<>();
        Row ssh = new Row("raw ssh (cat of " + (BYTES >> 20) + " MiB)", rawSsh(t), Double.NaN);
        Row stock = tunnel(t, "stock sshuttle 1.x (python server, 0001)", List.of("sshuttle", "--method", "nat"));
        Row python = tunnel(t, "ours, python agent (0002)", ours("--agent", "python"));
        Row java = tunnel(t, "ours, java agent (0002)", ours("--agent", "java"));
        // the same two agents over a plain pipe instead of ssh: what the tunnel costs without crypto
        String pipe = plainPipeSsh(t);
        Row pythonPipe = tunnel(t, "ours, python agent, plain pipe instead of ssh", ours("--agent", "python"), pipe);
        Row javaPipe = tunnel(t, "ours, java agent, plain pipe instead of ssh", ours("--agent", "java"), pipe);
        // ssh inside our JVM (MINA SSHD) instead of OpenSSH's client
        Path home = t.ssh().clientHome(t.workDir().resolve("bench-home"), "gw", true);
        Row builtin = tunnel(t, "ours, python agent, builtin ssh (MINA SSHD)",
                ours("-Duser.home=" + home, "--transport", "builtin", "-r", "gw"), null);
        Row direct = new Row("direct (gateway to target, no tunnel)", download(t.gateway(), t), connections(t.gateway(), t));
        Row agentless = tunnel(t, "ours, no agent (ssh direct-tcpip, builtin ssh)",
                ours("-Duser.home=" + home, "--transport", "builtin", "--agent", "none", "-r", "gw"), null);
        rows.addAll(List.of(direct, ssh, stock, python, java, pythonPipe, javaPipe, builtin, agentless));
        StringBuilder md = new StringBuilder("# Tunnel benchmark\n\n")
                .append(String.format("One download of %d MiB, then %d short echo connections %d at a time, per contender.%n%n",
                        BYTES >> 20, CONNECTIONS, CONCURRENCY))
                .append("| path | MB/s | x stock | x raw ssh | connections/s | x stock | client RSS MiB |\n|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            md.append(String.format("| %s | %.1f | %.2f | %.2f | %s | %s | %s |%n", r.name(), r.mbPerSecond(),
                    r.mbPerSecond() / stock.mbPerSecond(), r.mbPerSecond() / ssh.mbPerSecond(),
                    orDash(r.connectionsPerSecond(), "%.0f"), orDash(r.connectionsPerSecond() / stock.connectionsPerSecond(), "%.2f"),
                    orDash(r.clientRssMiB(), "%.0f")));
        }
        System.out.println(md);
        Path report = Path.of(System.getProperty("it.reports", "target"), "bench-report.md");
        Files.createDirectories(report.getParent());
        Files.writeString(report, md);

        double best = Math.max(python.mbPerSecond(), java.mbPerSecond());
        assertTrue(best >= stock.mbPerSecond(), "our tunnel must not be slower than stock sshuttle:\n" + md);
    }

    private static String orDash(double v, String format) {
        return Double.isNaN(v) ? "-" : String.format(format, v);
    }

    /** The client JVM as the launcher starts it, [-D... options] and [arguments]. */
    private static List<String> ours(String... extra) {
        List<String> rest = new ArrayList<>(List.of(extra));
        List<String> jvm = new ArrayList<>();
        while (!rest.isEmpty() && rest.getFirst().startsWith("-D")) jvm.add(rest.removeFirst());
        List<String> argv = Tunnels.clientJvm(jvm.toArray(String[]::new));
        argv.addAll(rest);
        return argv;
    }

    private static Row tunnel(Topology t, String name, List<String> program) throws IOException {
        return tunnel(t, name, program, t.ssh().sshCommand());
    }

    /** sshCommand null: the program's own arguments say how to reach the gateway. */
    private static Row tunnel(Topology t, String name, List<String> program, String sshCommand) throws IOException {
        List<String> argv = new ArrayList<>(program);
        if (sshCommand != null) argv.addAll(List.of("-e", sshCommand, "-r", t.ssh().destination()));
        argv.add(t.targetSubnet());
        String log = name.replaceAll("[^a-z0-9]+", "-") + ".log";
        try (BackgroundProcess client = t.client().start(t.workDir().resolve(log), argv.toArray(String[]::new))) {
            client.awaitLog("Connected to server", CONNECT_WITHIN);
            double mb = download(t.client(), t);
            double cps = connections(t.client(), t);
            double rssMiB = ProcessGauge.rssKb(client.pid()) / 1024.0;
            client.terminate(Duration.ofSeconds(15));
            return new Row(name, mb, cps, rssMiB);
        }
    }

    /**
     * An "ssh" that answers {@code -G} like ssh and otherwise runs the remote command in the
     * gateway namespace over plain pipes: the tunnel's own cost, without encryption.
     */
    private static String plainPipeSsh(Topology t) throws IOException {
        Path script = t.workDir().resolve("plain-pipe-ssh");
        Files.writeString(script, """
                #!/bin/sh
                if [ "$1" = "-G" ]; then echo 'hostname %s'; echo 'port 22'; exit 0; fi
                for last; do :; done
                exec ip netns exec %s /bin/sh -c "$last"
                """.formatted(t.gatewayIp().getHostAddress(), t.gateway().name()));
        script.toFile().setExecutable(true);
        return script.toString();
    }

    /** MB/s of one download of BYTES from the target's source service, checked by length and CRC. */
    private static double download(Netns from, Topology t) throws IOException {
        try (Socket s = from.connect(t.source(), Duration.ofSeconds(10))) {
            s.setSoTimeout(60_000);
            SourceService.Download d = SourceService.download(s, BYTES);
            assertTrue(d.isPattern(BYTES), "download from " + from + " intact: " + d);
            return d.mbPerSecond();
        }
    }

    private static double connections(Netns from, Topology t) {
        ConnectionLoad.Result r = ConnectionLoad.run(from.threadFactory(), t.echo(), CONNECTIONS, CONCURRENCY, 32, CONNECT_BUDGET);
        assertEquals(0, r.failed(), "every short connection must succeed from " + from + ": " + r);
        return r.connectionsPerSecond();
    }

    /** MB/s of BYTES through ssh itself: the remote writes them to a pipe, the client discards them. */
    private static double rawSsh(Topology t) throws IOException, InterruptedException {
        List<String> argv = t.client().argv(t.ssh().sshArgv("head -c " + BYTES + " /dev/zero"));
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long t0 = System.nanoTime();
        long total = 0;
        try (InputStream in = p.getInputStream()) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) total += n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, p.waitFor(), "raw ssh exit");
        assertEquals(BYTES, total, "raw ssh bytes");
        return total / 1e6 / secs;
    }
}
