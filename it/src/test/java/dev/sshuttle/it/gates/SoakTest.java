package dev.sshuttle.it.gates;

import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The soak: for {@code soak.duration} (PT3M in the normal build, PT30M with -Psoak,
 * -Dsoak.duration=PT2H for longer) the Python agent (the default) carries rounds of the mixed
 * faulty load, a paced bulk download the whole time and periodic latency probes, while the
 * client's and agent's fds and RSS are sampled; then the same gates as {@link MixedFaultGatesTest}.
 * Writes it/target/soak-report.{md,json,png}.
 */
@ExtendWith(TopologyExtension.class)
class SoakTest {
    static final Duration DEFAULT_DURATION = Duration.ofMinutes(3);
    static final int WARM_UP = 300;
    static final int ROUND = 500;
    static final int CONCURRENCY = 8;
    static final Duration ROUND_BUDGET = Duration.ofMinutes(2);
    static final int PROBE_SAMPLES = 100;
    static final Duration PROBE_BUDGET = Duration.ofSeconds(10);
    static final Duration SAMPLE_EVERY = Duration.ofSeconds(5);
    static final long BULK_BYTES_PER_SECOND = 20_000_000;
    static final long BULK_CHUNK_BYTES = 1L << 30;
    static final int FINAL_LATENCY_SAMPLES = 500;
    static final Duration FINAL_LATENCY_BUDGET = Duration.ofSeconds(30);
    /** -Dsoak.agent=java soaks the Java agent instead. */
    static final String AGENT = System.getProperty("soak.agent", "python");
    static final TunnelResources.Limits LIMITS =
            AGENT.equals("java") ? MixedFaultGatesTest.JAVA_LIMITS : MixedFaultGatesTest.PYTHON_LIMITS;

    // the body ends on its own at soak.duration plus a few bounded phases; this only catches a hang
    @Test
    @Timeout(value = 24, unit = TimeUnit.HOURS)
    void soak(Topology t) throws IOException {
        Duration duration = SoakReport.configuredDuration(DEFAULT_DURATION);
        SoakReport report = new SoakReport("sshuttle soak, " + AGENT + " agent, " + duration);
        report.put("duration", duration.toString());
        MixedLoad.Targets targets = MixedLoad.Targets.of(t);
        try (FaultyTunnel tunnel = FaultyTunnel.start(t, "soak", "-v", "--agent", AGENT)) {
            // a misbehaving warm-up is recorded, not fatal: the leak gates at the end still name what leaked
            MixedLoad.Result warmUp = MixedLoad.run(t.client().threadFactory(), targets, WARM_UP, CONCURRENCY, ROUND_BUDGET);
            LatencyComparison atStart = LatencyComparison.measure(t, FINAL_LATENCY_SAMPLES, FINAL_LATENCY_BUDGET);
            GateVerdicts gates = new GateVerdicts()
                    .check("warm-up", () -> warmUp.assertAllAsExpected(WARM_UP, "warm-up"))
                    .check("target connections after the warm-up", () -> TargetConnections.assertAllClosed(t, "after the warm-up"));
            TunnelResources resources = TunnelResources.baseline(tunnel.client().pid(), tunnel.agent().pid(), "the " + AGENT + " agent", LIMITS);

            long start = System.nanoTime();
            long deadline = start + duration.toNanos();
            Histogram besideBulk = LatencyProbe.histogram();
            MixedLoad.Result load = MixedLoad.Result.EMPTY;
            int rounds = 0;
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            try (BulkTransfer bulk = BulkTransfer.paced(t.client().threadFactory(), t.source(), BULK_CHUNK_BYTES, duration, BULK_BYTES_PER_SECOND)) {
                sampler.scheduleAtFixedRate(() -> report.sample(resources.sample(Duration.ofNanos(System.nanoTime() - start))),
                        0, SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
                while (System.nanoTime() < deadline) {
                    Duration left = Duration.ofNanos(deadline - System.nanoTime());
                    load = load.plus(MixedLoad.run(t.client().threadFactory(), targets, ROUND, CONCURRENCY,
                            left.compareTo(ROUND_BUDGET) < 0 ? left : ROUND_BUDGET));
                    besideBulk.add(LatencyComparison.probe(t.client().connect(t.echo(), PROBE_BUDGET), PROBE_SAMPLES, PROBE_BUDGET).histogram());
                    rounds++;
                }
                bulk.stop();
                report.put("bulk", Map.of("bytes", bulk.bytes(), "downloads_completed", bulk.completed(), "errors", bulk.errors(),
                        "mb_per_s", bulk.mbPerSecond()));
                verdictsAndReport(t, tunnel, resources, start, load, rounds, bulk, atStart, new LatencyProbe.Report(besideBulk), gates, report);
            } finally {
                sampler.shutdownNow();
            }
        }
    }

    private static void verdictsAndReport(Topology t, FaultyTunnel tunnel, TunnelResources resources, long start, MixedLoad.Result load,
                                          int rounds, BulkTransfer bulk, LatencyComparison atStart, LatencyProbe.Report besideBulk,
                                          GateVerdicts gates, SoakReport report) throws IOException {
        LatencyComparison atEnd = LatencyComparison.measure(t, FINAL_LATENCY_SAMPLES, FINAL_LATENCY_BUDGET);
        String after = "after " + load.attempted() + " mixed connections in the soak";
        gates.check("mixed load", () -> load.assertAllAsExpected(Math.max(1, load.attempted()), "in the soak"))
                .check("bulk transfer", () -> org.junit.jupiter.api.Assertions.assertEquals(0, bulk.errors(),
                        "bulk downloads that failed; the last: " + bulk.lastError()))
                .check("target connections", () -> TargetConnections.assertAllClosed(t, after));
        resources.check(gates, after);
        gates.check("latency", () -> atEnd.assertWithin(MixedFaultGatesTest.IDLE_P99_OVER_DIRECT, MixedFaultGatesTest.BESIDE_BULK_P99));
        report.sample(resources.sample(Duration.ofNanos(System.nanoTime() - start)));
        String summary = "soak (" + AGENT + " agent): " + load + "; " + resources.summary() + "; at start " + atStart.summary()
                + "; at end " + atEnd.summary() + "; probes beside the paced bulk: " + besideBulk.summary();
        System.out.println(summary);
        tunnel.stop(t, FaultyTunnel.Exit.SIGTERM, gates);

        Map<String, Object> kinds = new LinkedHashMap<>();
        for (ConnectionKind k : ConnectionKind.values()) kinds.put(k.label(), load.kind(k));
        report.put("rounds", rounds).put("connections", load.attempted()).put("unexpected", load.unexpected())
                .put("connections_by_kind", kinds).put("mixed_payload_bytes", load.payloadBytes())
                .put("summary", summary)
                .latency("latency_direct_at_end", atEnd.direct()).latency("latency_idle_at_end", atEnd.idle())
                .latency("latency_beside_full_bulk_at_end", atEnd.underBulk()).latency("latency_beside_paced_bulk", besideBulk)
                .put("gates", gates.asMap());
        System.out.println("soak report: " + report.write());
        gates.assertAllPassed("the soak");
    }
}
