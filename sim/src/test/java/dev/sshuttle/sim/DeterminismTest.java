package dev.sshuttle.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A seed must replay exactly: same events, same end time, same bytes. */
class DeterminismTest {
    @Test
    void sameSeedSameRun() {
        for (long seed = 500; seed < 510; seed++) {
            for (boolean corrupt : new boolean[] {false, true}) {
                Outcome a = SimRunner.run(Scenario.generate(seed, corrupt));
                Outcome b = SimRunner.run(Scenario.generate(seed, corrupt));
                assertEquals(a.events(), b.events(), "seed " + seed);
                assertEquals(a.endNanos(), b.endNanos(), "seed " + seed);
                assertEquals(a.damages(), b.damages(), "seed " + seed);
                assertEquals(a.protocolError(), b.protocolError(), "seed " + seed);
            }
        }
    }

    @Test
    void eventsAtTheSameInstantRunInSchedulingOrder() {
        Simulation sim = new Simulation(1);
        List<String> order = new ArrayList<>();
        sim.at(10, () -> order.add("b"));
        sim.at(5, () -> order.add("a"));
        sim.at(10, () -> order.add("c"));
        sim.at(10, () -> sim.after(0, () -> order.add("d")));
        while (sim.step()) assertTrue(sim.now() <= 10);
        assertEquals(List.of("a", "b", "c", "d"), order);
        assertEquals(10, sim.now());
    }
}
