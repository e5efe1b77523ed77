package dev.sshuttle.mux;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * 0002: a bound on the bytes in flight inside the transport (written into the stream but not
 * yet read by the peer's mux), in the spirit of Linux's BQL and TCP_NOTSENT_LOWAT. Whatever
 * has been handed to ssh leaves in that order, so the fair scheduler only orders what leaves
 * if little is queued beyond it; with this bound an interactive frame waits behind at most
 * about one round trip of bulk, instead of the megabytes that ssh, its socket and the pipes
 * would otherwise hold.
 *
 * <p>How much is in flight is learned without a new command: an <em>ack probe</em> is a PING
 * whose payload is "ack" and the 8-byte stream offset just past that PING frame. Every peer
 * answers a PING with a PONG of the same payload, once it has parsed it, so the PONG says the
 * peer has read everything up to that offset. Each answer also gives a round-trip sample and a
 * delivery-rate sample (bytes acknowledged between the last answer before the probe and its
 * own); the bound is twice the bandwidth-delay product they measure (the minimum round trip
 * times the highest recent delivery rate), between 256 KiB and 32 MiB: enough to keep the
 * pipe full while probes come back a quarter of the bound apart and answers wait behind the
 * peer's own bulk (1.5 times left a 50 ms link with bulk both ways at 75%), little to wait behind. See docs/protocol.md, "0002: bytes in flight and window growth".
 */
public final class InFlightBound {
    static final long FLOOR_BYTES = 256 * 1024;
    static final long CAP_BYTES = 32L << 20;
    /** What a quiet (interactive) channel may still send past the bound. */
    public static final long SPARSE_SLACK_BYTES = 64 * 1024;
    static final long MIN_ROOM_BYTES = 1024;
    static final int MAX_PROBES = 8;
    static final long MIN_PROBE_GAP_BYTES = 16 * 1024;
    static final long MIN_RTT_FLOOR_NANOS = 50_000;
    static final long RATE_BUCKET_NANOS = 1_000_000_000L;
    static final byte[] PREFIX = "ack".getBytes(StandardCharsets.US_ASCII);
    static final int PAYLOAD_BYTES = PREFIX.length + Long.BYTES;
    static final int PROBE_FRAME_BYTES = Frame.HEADER_BYTES + PAYLOAD_BYTES;

    private final long[] probeOffset = new long[MAX_PROBES];
    private final long[] probeSentNanos = new long[MAX_PROBES];
    private final long[] probeAckedAtSend = new long[MAX_PROBES];
    private final long[] probeAckNanosAtSend = new long[MAX_PROBES];
    private int head;
    private int probes;
    private long lastProbeOffset;
    private long acked;
    private long ackNanos = Long.MIN_VALUE; // when acked last moved
    private long minRttNanos = Long.MAX_VALUE;
    private long lastRttNanos;
    private final double[] rateBucket = new double[2]; // bytes per nanosecond, max per bucket
    private long rateBucketIndex = Long.MIN_VALUE;
    private long limit = FLOOR_BYTES;
    private final double gain;

    InFlightBound() {
        this(MuxConfig.IN_FLIGHT_GAIN);
    }

    /** With the bound at {@code gain} times the bandwidth-delay product. */
    InFlightBound(double gain) {
        this.gain = gain;
    }

    long inFlight(long offset) {
        return offset - acked;
    }

    /** Bytes that bulk data may still add before the bound (negative past it). */
    long room(long offset) {
        return limit - (offset - acked);
    }

    /** Less than {@link #MIN_ROOM_BYTES} left below the bound: no more bulk now (a smaller frame is not worth it). */
    boolean full(long offset) {
        return room(offset) < MIN_ROOM_BYTES;
    }

    boolean hasSparseRoom(long offset) {
        return offset - acked < limit + SPARSE_SLACK_BYTES;
    }

    long limitBytes() {
        return limit;
    }

    long minRttNanos() {
        return minRttNanos == Long.MAX_VALUE ? 0 : minRttNanos;
    }

    long lastRttNanos() {
        return lastRttNanos;
    }

    /**
     * A probe is due when enough went out since the last one, and when the bound is reached with
     * bytes behind the last probe (so a full transport always gets an answer that covers all of
     * it and opens it again).
     */
    boolean probeDue(long offset) {
        if (probes == MAX_PROBES || offset <= lastProbeOffset) return false;
        long gap = offset - lastProbeOffset;
        return gap >= Math.max(MIN_PROBE_GAP_BYTES, limit / 4) || full(offset) && (probes == 0 || gap >= MIN_PROBE_GAP_BYTES);
    }

    /** Writes a probe whose frame starts at stream offset {@code offset}; returns the frame's bytes. */
    int writeProbe(ByteBuffer out, long offset, long nowNanos) {
        long end = offset + PROBE_FRAME_BYTES;
        FrameEncoder.writeHeader(out, 0, Command.PING, PAYLOAD_BYTES);
        out.put(PREFIX).putLong(end);
        int slot = (head + probes) % MAX_PROBES;
        probeOffset[slot] = end;
        probeSentNanos[slot] = nowNanos;
        probeAckedAtSend[slot] = acked;
        probeAckNanosAtSend[slot] = ackNanos == Long.MIN_VALUE ? nowNanos : ackNanos;
        probes++;
        lastProbeOffset = end;
        return PROBE_FRAME_BYTES;
    }

    /** True when the payload has the shape of an ack probe (ours or the peer's). */
    static boolean isProbe(ByteBuffer payload) {
        if (payload.remaining() != PAYLOAD_BYTES) return false;
        int p = payload.position();
        return payload.get(p) == PREFIX[0] && payload.get(p + 1) == PREFIX[1] && payload.get(p + 2) == PREFIX[2];
    }

    static long probeOffset(ByteBuffer payload) {
        return payload.getLong(payload.position() + PREFIX.length);
    }

    /** The PONG of a probe: the peer read everything up to its offset. False if it is not one of ours. */
    boolean onPong(long offset, long nowNanos) {
        boolean ours = false;
        while (probes > 0 && probeOffset[head] <= offset) {
            if (probeOffset[head] == offset) {
                ours = true;
                // the delivery rate between two answers: bytes confirmed since the last answer
                // the probe had seen, over the time since that answer (never shorter than its round trip)
                long rtt = nowNanos - probeSentNanos[head];
                long interval = Math.max(rtt, nowNanos - probeAckNanosAtSend[head]);
                sample(rtt, offset - probeAckedAtSend[head], interval, nowNanos);
            }
            head = (head + 1) % MAX_PROBES;
            probes--;
        }
        if (ours && offset > acked) {
            acked = offset;
            ackNanos = nowNanos;
        }
        return ours;
    }

    private void sample(long rttNanos, long deliveredBytes, long intervalNanos, long nowNanos) {
        long rtt = Math.max(MIN_RTT_FLOOR_NANOS, rttNanos);
        lastRttNanos = rtt;
        if (rtt < minRttNanos) minRttNanos = rtt;
        long bucket = nowNanos / RATE_BUCKET_NANOS;
        if (bucket != rateBucketIndex) {
            rateBucket[0] = bucket == rateBucketIndex + 1 ? rateBucket[1] : 0;
            rateBucket[1] = 0;
            rateBucketIndex = bucket;
        }
        rateBucket[1] = Math.max(rateBucket[1], (double) deliveredBytes / Math.max(rtt, intervalNanos));
        double maxRate = Math.max(rateBucket[0], rateBucket[1]);
        limit = Math.clamp((long) (gain * maxRate * minRttNanos), FLOOR_BYTES, CAP_BYTES);
    }
}
