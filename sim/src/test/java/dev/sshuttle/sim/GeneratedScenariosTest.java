package dev.sshuttle.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The seeded property run: {@code sim.sessions} generated sessions (every fourth one over a
 * corrupting link), every invariant checked after each. A failure is shrunk and printed with the
 * properties that replay it: {@code -Dsim.seed=S -Dsim.replay=true [-Dsim.corrupt=true] [-Dsim.streams=1,4]}.
 * {@code -Dsim.seed=random} starts from a fresh base seed instead of the fixed one.
 */
class GeneratedScenariosTest {
    private static final int FAILURES_SHOWN_MAX = 3;

    @Test
    @Timeout(3600) // a backstop for a call that never returns; soak runs take minutes
    void generatedSessionsKeepEveryInvariant() {
        if (Boolean.getBoolean("sim.replay")) {
            replay();
            return;
        }
        int sessions = Integer.getInteger("sim.sessions", 200);
        long base = baseSeed();
        List<Outcome> failures = new ArrayList<>();
        int clean = 0;
        int corrupted = 0;
        int protocolErrors = 0;
        long damages = 0;
        long started = System.nanoTime();
        Coverage coverage = new Coverage();
        for (int i = 0; i < sessions; i++) {
            long seed = base + i;
            boolean corrupt = i % 4 == 3;
            Outcome o = SimRunner.run(Scenario.generate(seed, corrupt));
            if (!corrupt) coverage.add(o);
            if (corrupt) {
                corrupted++;
                damages += o.damages();
                if (o.protocolError() != null) protocolErrors++;
            } else {
                clean++;
            }
            if (!o.passed()) failures.add(o);
        }
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        StringBuilder report = new StringBuilder();
        for (Outcome failed : failures.subList(0, Math.min(FAILURES_SHOWN_MAX, failures.size()))) {
            Outcome small = SimRunner.shrink(failed);
            boolean corrupt = failed.scenario().link().corruptPerMillion() > 0;
            report.append("FAILED seed ").append(failed.scenario().seed()).append(" (").append(failed.failureKind())
                    .append("), shrunk from ").append(failed.scenario().streams().size()).append(" to ")
                    .append(small.scenario().streams().size()).append(" streams; replay with\n  ./mvnw -pl sim -am test -Dtest=GeneratedScenariosTest ")
                    .append(SimRunner.replayArguments(small.scenario(), corrupt)).append('\n')
                    .append(small.report());
        }
        System.out.printf("sim: %d scenarios run (%d clean, %d corrupted: %d damages, %d ended by a protocol error), "
                        + "%d failed, seeds %d..%d, %d ms%n",
                sessions, clean, corrupted, damages, protocolErrors, failures.size(), base, base + sessions - 1, elapsedMs);
        System.out.println("sim: clean runs covered " + coverage);
        if (failures.isEmpty()) System.out.printf("sim: %d scenarios passed (seeds %d..%d)%n", sessions, base, base + sessions - 1);
        assertTrue(failures.isEmpty(), failures.size() + " of " + sessions + " scenarios failed:\n" + report);
    }

    private static long baseSeed() {
        String text = System.getProperty("sim.seed", "1");
        return text.equals("random") ? System.nanoTime() & 0xffffffffL : Long.parseLong(text);
    }

    private static void replay() {
        long seed = Long.parseLong(System.getProperty("sim.seed"));
        boolean corrupt = Boolean.getBoolean("sim.corrupt");
        Scenario scenario = Scenario.generate(seed, corrupt);
        String streams = System.getProperty("sim.streams", "");
        if (!streams.isEmpty()) {
            Set<Integer> keep = streams.equals("none") ? Set.of()
                    : Arrays.stream(streams.split(",")).map(String::strip).map(Integer::valueOf).collect(Collectors.toCollection(HashSet::new));
            scenario = scenario.keep(keep);
        }
        Outcome o = SimRunner.run(scenario);
        System.out.print("sim replay:\n" + o.report());
        assertEquals(List.of(), o.violations(), "replayed scenario failed:\n" + o.report());
    }
}
