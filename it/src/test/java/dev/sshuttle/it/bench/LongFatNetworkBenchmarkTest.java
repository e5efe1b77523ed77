package dev.sshuttle.it.bench;

import dev.sshuttle.it.gates.LatencyProbe;
import dev.sshuttle.it.lfn.DelayingRelay;
import dev.sshuttle.it.lfn.LinkShape;
import dev.sshuttle.testkit.Prerequisites;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import dev.sshuttle.it.tunnel.Tunnels;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Long fat networks (issue "past ssh's 2 MiB channel window"): every contender's ssh connection
 * runs through a {@link DelayingRelay} in the client namespace that delays each direction by half
 * the round trip. Per round trip (bench.lfn.rtts, ms) and contender: one iperf3 stream down and
 * up (bench.lfn.seconds each, after a 2 s omitted ramp), the idle 64 B round trip, and a 64 B ping
 * every 100 ms beside each transfer. Writes docs/benchmarks-lfn.md and prints it. Only with
 * -Pbench-lfn (bench.lfn=true).
 */
@Tag("bench") // .ci/run leaves the benchmarks out by tag: they run only when asked
@ExtendWith(TopologyExtension.class)
@EnabledIfSystemProperty(named = "bench.lfn", matches = "true",
        disabledReason = "the long-fat-network benchmark runs only when asked: ./mvnw -B -ntp -pl tunnel,it -am verify -Pbench-lfn")
class LongFatNetworkBenchmarkTest {
    static final List<Integer> RTTS_MS = Arrays.stream(System.getProperty("bench.lfn.rtts", "50,100").split(","))
            .map(String::strip).map(Integer::parseInt).toList();
    static final Duration TRANSFER = Duration.ofSeconds(Long.getLong("bench.lfn.seconds", 8));
    static final Duration OMIT = Duration.ofSeconds(2);
    /** Contender names to run (separated by ';': the names have commas), all by default. */
    static final String ONLY = System.getProperty("bench.lfn.contenders", "");
    static final int IDLE_ROUND_TRIPS = 10;
    static final int PING_PAYLOAD = 64;
    static final Duration PING_EVERY = Duration.ofMillis(100);
    static final Duration IO_TIMEOUT = Duration.ofSeconds(10);
    /** OpenSSH's window for a session or direct-tcpip channel: at most this per round trip on one channel. */
    static final double SSH_WINDOW_BYTES = 2 * 1024 * 1024;
    static final String COMMAND = "./mvnw -B -ntp -pl tunnel,it -am verify -Pbench-lfn";

    /** One contender at one round trip. */
    record Row(int rttMs, String contender, boolean ours, double downMBps, double upMBps, LatencyProbe.Report idle,
               LatencyProbe.Report besideDown, LatencyProbe.Report besideUp, List<String> notes) {}

    @Test
    @Timeout(value = 40, unit = TimeUnit.MINUTES)
    void longFatNetwork(Topology t) throws Exception {
        Prerequisites.requireTools("iperf3", "sshuttle", "iptables", "ssh");
        InetSocketAddress sshd = new InetSocketAddress(t.gatewayIp(), t.ssh().port());
        List<Row> rows = new ArrayList<>();
        long started = System.nanoTime();
        try (DelayingRelay relay = DelayingRelay.start(t.client(), sshd, LinkShape.roundTrip(Duration.ofMillis(RTTS_MS.getFirst())));
             Iperf3 iperf3 = Iperf3.serve(t)) {
            List<Contender.Spec> specs = contenders(new Contender.SshPath("127.0.0.1", relay.port())).stream()
                    .filter(s -> ONLY.isBlank() || List.of(ONLY.split(";")).contains(s.name())).toList();
            for (int rtt : RTTS_MS) {
                relay.shape(LinkShape.roundTrip(Duration.ofMillis(rtt)));
                for (Contender.Spec spec : specs) {
                    long t0 = System.nanoTime();
                    try (Contender c = spec.starter().start(t, spec.name())) {
                        rows.add(measure(t, iperf3, c, spec, rtt));
                    }
                    System.out.printf("long-fat-network benchmark: %d ms, %s done in %.0f s: %s%n", rtt, spec.name(),
                            (System.nanoTime() - t0) / 1e9, rows.getLast());
                }
            }
        } finally {
            Tunnels.removeUploadedJavaAgent();
        }
        String md = LongFatNetworkReport.markdown(rows, Duration.ofNanos(System.nanoTime() - started), COMMAND, TRANSFER, OMIT);
        System.out.println(md);
        Path docs = Path.of(System.getProperty("bench.docs", "../docs")).toAbsolutePath().normalize();
        Files.writeString(docs.resolve("benchmarks-lfn.md"), md);
        LongFatNetworkPlot.write(rows, "one stream through a delaying relay on the ssh path, "
                + DataPathBenchmarkTest.git(docs.getParent(), "rev-parse", "--short", "HEAD"), docs.resolve("benchmarks-lfn.png"));
        System.out.println("wrote " + docs.resolve("benchmarks-lfn.md") + " and " + docs.resolve("benchmarks-lfn.png"));
    }

    /**
     * The data-path contenders along the relay, ours unstriped as the reference (not checked),
     * then ours with --channels auto, which the acceptance checks are about.
     */
    static List<Contender.Spec> contenders(Contender.SshPath path) {
        List<Contender.Spec> specs = new ArrayList<>();
        for (Contender.Spec s : Contender.all(x -> path)) {
            // the relayed ssh -L says what the extra hops cost at sub-millisecond round trips, not here
            if (!s.name().equals(Contender.RELAYED)) specs.add(new Contender.Spec(s.name(), false, s.starter()));
        }
        for (String agent : List.of("python", "java")) {
            specs.add(new Contender.Spec("ours, " + agent + " agent, --channels auto", true,
                    (t, n) -> Contender.ours(t, n, path, agent, "--channels", "auto")));
        }
        return specs;
    }

    private static Row measure(Topology t, Iperf3 iperf3, Contender c, Contender.Spec spec, int rtt) {
        List<String> notes = new ArrayList<>();
        LatencyProbe.Report idle = null;
        try (Socket echo = echoConnection(t, c)) {
            idle = LatencyProbe.pingPong(echo, IDLE_ROUND_TRIPS, PING_PAYLOAD, IO_TIMEOUT);
        } catch (IOException e) {
            notes.add("idle round trips: " + e);
        }
        Beside down = transferWithPings(t, iperf3, c, true, notes);
        Beside up = transferWithPings(t, iperf3, c, false, notes);
        return new Row(rtt, spec.name(), spec.ours(), down.result.mbPerSecond(), up.result.mbPerSecond(), idle, down.pings, up.pings, notes);
    }

    private record Beside(Iperf3.Result result, LatencyProbe.Report pings) {}

    /** One iperf3 stream, with a 64 B ping every 100 ms on another connection once the omitted ramp is over. */
    private static Beside transferWithPings(Topology t, Iperf3 iperf3, Contender c, boolean download, List<String> notes) {
        int count = (int) (TRANSFER.minusSeconds(1).toNanos() / PING_EVERY.toNanos());
        LatencyProbe.Report pings = null;
        try (Socket echo = echoConnection(t, c)) {
            Iperf3.Running running = iperf3.start(t.client(), c.iperf3(), TRANSFER, 1, download, OMIT);
            try {
                Thread.sleep(OMIT.plusMillis(500));
                pings = LatencyProbe.paced(echo, count, PING_PAYLOAD, PING_EVERY, TRANSFER);
            } catch (IOException e) {
                notes.add("pings beside bulk " + (download ? "download" : "upload") + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Iperf3.Result r = running.await();
            if (!r.ok()) notes.add(r.error());
            return new Beside(r, pings);
        } catch (IOException e) {
            notes.add("echo connection: " + e);
            return new Beside(Iperf3.Result.failed(e.toString()), null);
        }
    }

    private static Socket echoConnection(Topology t, Contender c) throws IOException {
        Socket s = t.client().connect(c.echo(), IO_TIMEOUT);
        s.setSoTimeout((int) IO_TIMEOUT.toMillis());
        s.setTcpNoDelay(true);
        return s;
    }
}
