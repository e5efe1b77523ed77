package dev.sshuttle.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The in-flight bound alone: probes, answers, the limit. */
class InFlightBoundTest {
    private static final long MS = 1_000_000L;
    private final InFlightBound bound = new InFlightBound();

    /** Writes a probe at {@code offset}, returns the offset its answer carries. */
    private long probe(long offset, long now) {
        ByteBuffer out = ByteBuffer.allocate(64);
        bound.writeProbe(out, offset, now);
        out.flip().position(Frame.HEADER_BYTES);
        assertTrue(InFlightBound.isProbe(out));
        return InFlightBound.probeOffset(out);
    }

    @Test
    void aProbeCarriesTheOffsetJustPastItselfAndItsAnswerConfirmsEverythingBefore() {
        long end = probe(100_000, 0);
        assertEquals(100_000 + InFlightBound.PROBE_FRAME_BYTES, end);
        assertEquals(end, bound.inFlight(end));
        assertTrue(bound.onPong(end, 1 * MS));
        assertEquals(0, bound.inFlight(end));
        assertEquals(1 * MS, bound.minRttNanos());
        assertFalse(bound.onPong(end + 1, 2 * MS), "not one of ours");
    }

    @Test
    void theLimitIsTwiceTheMeasuredBandwidthDelayProductBetweenFloorAndCap() {
        assertEquals(InFlightBound.FLOOR_BYTES, bound.limitBytes(), "before any sample");
        // 10 MB confirmed in a 10 ms round trip: 1 GB/s x 10 ms x 2 = 20 MB
        long first = probe(0, 0);
        bound.onPong(first, 10 * MS);
        long end = probe(10_000_000, 10 * MS);
        bound.onPong(end, 20 * MS);
        assertTrue(bound.limitBytes() >= 15_000_000 && bound.limitBytes() <= 25_000_000, "limit " + bound.limitBytes());
        // 10 GB/s for 10 ms would be 200 MB: capped
        long fast = probe(2_000_000_000L, 20 * MS);
        bound.onPong(fast, 30 * MS);
        assertEquals(InFlightBound.CAP_BYTES, bound.limitBytes());
    }

    @Test
    void aFullBoundAlwaysHasAProbeOnItsWayCoveringItAll() {
        long offset = InFlightBound.FLOOR_BYTES - 100; // bulk stopped just below the bound
        assertTrue(bound.full(offset));
        assertTrue(bound.probeDue(offset), "no probe outstanding: one is due");
        probe(offset, 0);
        assertFalse(bound.probeDue(offset + InFlightBound.PROBE_FRAME_BYTES), "and it covers everything written");
    }
}
