package dev.sshuttle.sim.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.sim.Shrinker;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The grammar-aware fuzzer of the client's receive path: hostile sessions
 * ({@link HostileSequence}) against the real mux, driver and bridges ({@link MuxFuzzHarness}),
 * in both protocol versions. Every run does the fixed seeds 1..{@code fuzz.sessions} and as
 * many from a fresh base seed, printed (CI runs differ, and any failure names its seed). A
 * failure is shrunk to the fewest steps that still fail the same way and printed with them;
 * replay one with {@code -Dfuzz.seed=S -Dfuzz.version=1|2} ({@code -Dfuzz.sessions=N} for more,
 * {@code -Dfuzz.base=B} to pin the fresh base).
 */
class MuxReceiveFuzzTest {
    private static final int SHRINK_TESTS_MAX = 300;
    private static final int FAILURES_SHOWN_MAX = 2;

    @Test
    @Timeout(600)
    void hostileFrameSequencesEndInAProtocolErrorOrLeaveTheClientWell() {
        OptionalLong only = SeedPlan.replay("fuzz");
        if (only.isPresent()) {
            ProtocolVersion version = Integer.getInteger("fuzz.version", 2) == 1 ? ProtocolVersion.V1 : ProtocolVersion.V2;
            FuzzOutcome o = MuxFuzzHarness.run(version, HostileSequence.generate(only.getAsLong(), version));
            System.out.println("fuzz replay of seed " + only.getAsLong() + " (" + version.magic() + "): " + describe(o));
            assertTrue(o.passed(), describe(shrink(version, o)));
            return;
        }
        SeedPlan plan = SeedPlan.fromProperties("fuzz", "fuzz.sessions", 100, 1000);
        SeedPlan.Failures failures = new SeedPlan.Failures(FAILURES_SHOWN_MAX);
        int protocolErrors = 0;
        int carriedOn = 0;
        long peakPending = 0;
        long peakControl = 0;
        long delivered = 0;
        long started = System.nanoTime();
        java.util.Map<String, Integer> endings = new java.util.TreeMap<>();
        for (ProtocolVersion version : List.of(ProtocolVersion.V1, ProtocolVersion.V2)) {
            for (long seed : plan.seeds()) {
                FuzzOutcome o = MuxFuzzHarness.run(version, HostileSequence.generate(seed, version));
                if (o.protocolError() != null) {
                    protocolErrors++;
                    endings.merge(o.protocolError().replaceAll("[0-9]+", "N").replaceAll("^(\\S+ \\S+ \\S+ \\S+).*", "$1"), 1, Integer::sum);
                }
                else carriedOn++;
                peakPending = Math.max(peakPending, o.peakPendingBytes());
                peakControl = Math.max(peakControl, o.peakControlBytes());
                delivered += o.bytesDelivered();
                if (!o.passed()) {
                    failures.add(() -> "FAILED seed " + seed + " -Dfuzz.seed=" + seed + " -Dfuzz.version="
                                    + (version == ProtocolVersion.V1 ? 1 : 2) + "\n" + describe(shrink(version, o)),
                            "FAILED seed " + seed + " (" + version.magic() + "): " + o.violation());
                }
            }
        }
        System.out.printf("fuzz: %d hostile sessions (%s, each in 0001 and 0002): %d ended by a protocol"
                        + " error, %d carried on and recovered, %d failed; %d MiB delivered, peak %d KiB held for sockets,"
                        + " peak %d KiB of control queued, %d ms%n",
                2 * plan.size(), plan.describe(), protocolErrors, carriedOn, failures.size(),
                delivered >> 20, peakPending >> 10, peakControl >> 10, (System.nanoTime() - started) / 1_000_000);
        System.out.println("fuzz: protocol errors by kind " + endings);
        assertTrue(failures.isEmpty(), failures.toString());
    }

    private static FuzzOutcome shrink(ProtocolVersion version, FuzzOutcome failed) {
        String kind = failed.kind();
        List<HostileStep> smallest = Shrinker.ddmin(failed.steps(),
                steps -> kind.equals(MuxFuzzHarness.run(version, steps).kind()), SHRINK_TESTS_MAX);
        return MuxFuzzHarness.run(version, smallest);
    }

    private static String describe(FuzzOutcome o) {
        StringBuilder b = new StringBuilder(o.passed() ? "passed" : o.violation());
        if (o.protocolError() != null) b.append("; ended by: ").append(o.protocolError());
        b.append("; ").append(o.steps().size()).append(" steps:");
        for (HostileStep s : o.steps()) b.append("\n  ").append(s);
        return b.toString();
    }
}
