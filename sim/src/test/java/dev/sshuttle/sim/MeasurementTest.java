package dev.sshuttle.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.mux.ProtocolVersion;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Throughput and latency on the measurement link (50 ms round trip, 100 Mbit/s, 64 KiB socket
 * buffers), in virtual time. Prints the numbers and asserts the targets of docs/protocol.md.
 */
class MeasurementTest {
    private static final long MS = 1_000_000L;
    private static final LinkConfig LINK = LinkConfig.wan100Mbit();
    private static final double LINK_BYTES_PER_SECOND = LINK.bytesPerSecond();
    private static final StreamSpec.Reader FAST = StreamSpec.Reader.fast(256 * 1024);

    @Test
    void oneBulkChannelFillsTheLinkUnder0002() {
        Outcome o = run(ProtocolVersion.V2, MuxConfig.defaults(), List.of(StreamSpec.bulk(1, 0, 0, 40_000_000, FAST, FAST)));
        double rate = o.goodputBytesPerSecond(1, true);
        System.out.printf("measure: 0002 one bulk channel, 50 ms RTT, 100 Mbit/s: %.2f MB/s = %.1f%% of the link "
                + "(max unconsumed %d bytes)%n", rate / 1e6, 100 * rate / LINK_BYTES_PER_SECOND, o.maxPendingBytes(1));
        assertTrue(rate >= 0.8 * LINK_BYTES_PER_SECOND, "0002 bulk reached only " + rate / 1e6 + " MB/s");
    }

    @Test
    void classicLatencyControlMovesAbout32KiBPerRoundTrip() {
        Outcome o = run(ProtocolVersion.V1, MuxConfig.defaults(), List.of(StreamSpec.bulk(1, 0, 0, 3_000_000, FAST, FAST)));
        double rate = o.goodputBytesPerSecond(1, true);
        System.out.printf("measure: 0001 with latency control (32 KiB), 50 ms RTT, 100 Mbit/s: %.3f MB/s%n", rate / 1e6);
        assertTrue(rate >= 0.4e6 && rate <= 1.0e6, "classic rate " + rate / 1e6 + " MB/s is outside 0.4-1.0 MB/s");
    }

    @Test
    void interactiveRoundTripStaysLowBesideEightBulkChannels() {
        for (boolean bothWays : new boolean[] {false, true}) {
            List<StreamSpec> streams = new ArrayList<>();
            for (int id = 1; id <= 8; id++) {
                boolean up = bothWays && id % 2 == 0;
                streams.add(StreamSpec.bulk(id, 0, up ? 25_000_000 : 0, up ? 0 : 25_000_000, FAST, FAST));
            }
            streams.add(StreamSpec.interactive(9, 1000 * MS, 64, 40, 20 * MS));
            Outcome o = run(ProtocolVersion.V2, MuxConfig.defaults(), streams);
            List<Long> rtts = new ArrayList<>(o.roundTripsNanos(9));
            rtts.sort(null);
            long bound = o.latency().nanos();
            long p50 = rtts.get(rtts.size() / 2);
            long max = rtts.getLast();
            double total = o.aggregateGoodputBytesPerSecond(List.of(1, 2, 3, 4, 5, 6, 7, 8));
            System.out.printf("measure: 0002 interactive beside 8 bulk channels (%s): %d round trips, p50 %.1f ms, "
                            + "max %.1f ms (bound %s); bulk together %.2f MB/s = %.0f%% of the link%n",
                    bothWays ? "4 up + 4 down" : "8 down", rtts.size(), p50 / 1e6, max / 1e6, o.latency(), total / 1e6,
                    100 * total / (bothWays ? 2 : 1) / LINK_BYTES_PER_SECOND);
            assertEquals(40, rtts.size());
            assertTrue(max <= bound, "interactive round trip " + max / 1e6 + " ms exceeds " + o.latency());
            assertTrue(total >= 0.8 * (bothWays ? 2 : 1) * LINK_BYTES_PER_SECOND, "bulk beside it: " + total / 1e6 + " MB/s");
        }
    }

    @Test
    void stalledReaderDoesNotSlowAnotherChannel() {
        StreamSpec.Reader stalled = new StreamSpec.Reader(StreamSpec.Reader.Kind.STALLED, 0, 20_000 * MS, 64 * 1024);
        Outcome o = run(ProtocolVersion.V2, MuxConfig.defaults(), List.of(
                StreamSpec.bulk(1, 0, 0, 5_000_000, stalled, FAST),
                StreamSpec.bulk(2, 100 * MS, 0, 30_000_000, FAST, FAST)));
        double rate = o.goodputBytesPerSecond(2, true);
        System.out.printf("measure: 0002 bulk beside a stalled reader: %.2f MB/s; the stalled channel held at most %d bytes%n",
                rate / 1e6, o.maxPendingBytes(1));
        assertTrue(rate >= 0.8 * LINK_BYTES_PER_SECOND, "bulk beside a stalled reader: " + rate / 1e6 + " MB/s");
        assertTrue(o.maxPendingBytes(1) <= MuxConfig.INITIAL_WINDOW, "stalled channel buffered " + o.maxPendingBytes(1));
    }

    private static Outcome run(ProtocolVersion version, MuxConfig config, List<StreamSpec> streams) {
        Outcome o = SimRunner.run(new Scenario(42, version, LINK, config, config, streams));
        assertTrue(o.passed(), o.report());
        return o;
    }
}
