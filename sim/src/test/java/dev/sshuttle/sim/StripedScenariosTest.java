package dev.sshuttle.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.mux.ProtocolVersion;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The production striped stream (--channels) under simulation: the mux over K lanes with
 * different latencies, rates, buffers and chunking. Every invariant of the one-lane runs holds,
 * every byte of every stream arriving once and in order among them.
 */
class StripedScenariosTest {
    private static final long MS = 1_000_000L;

    @Test
    @Timeout(600)
    void generatedStripedSessionsKeepEveryInvariant() {
        int sessions = Integer.getInteger("sim.striped.sessions", 60);
        List<String> failures = new ArrayList<>();
        int lanes = 0;
        for (int i = 0; i < sessions; i++) {
            Scenario s = Scenario.generateStriped(1000 + i);
            lanes += s.laneCount();
            Outcome o = SimRunner.run(s);
            if (!o.passed() && failures.size() < 3) failures.add("seed " + s.seed() + ":\n" + o.report());
        }
        System.out.printf("sim: %d striped sessions over %d lanes in all, %d failed%n", sessions, lanes, failures.size());
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    @Timeout(120)
    void bulkBothWaysOverLanesFiftyMillisecondsApartArrivesInOrder() {
        LinkConfig fast = new LinkConfig(0, 100_000_000L, 64 * 1024, 16 * 1024, 0);
        List<LinkConfig> extra = List.of(
                new LinkConfig(25 * MS, 100_000_000L, 256 * 1024, 65 * 1024, 0),
                new LinkConfig(MS, 12_500_000L, 4096, 100, 0),
                new LinkConfig(50 * MS, 1_000_000L, 16 * 1024, 1500, 0));
        StreamSpec.Reader reader = StreamSpec.Reader.fast(64 * 1024);
        List<StreamSpec> streams = List.of(
                StreamSpec.bulk(1, 0, 3L << 20, 3L << 20, reader, reader),
                StreamSpec.bulk(2, 5 * MS, 1L << 20, 0, reader, reader),
                StreamSpec.interactive(3, 10 * MS, 100, 10, 20 * MS));
        MuxConfig config = MuxConfig.defaults().withInFlightGain(MuxConfig.STRIPED_IN_FLIGHT_GAIN);
        Outcome o = SimRunner.run(new Scenario(7, ProtocolVersion.V2, fast, config, config, streams, extra));
        assertEquals(List.of(), o.violations(), o.report());
        assertTrue(o.protocolError() == null, o.report());
    }
}
