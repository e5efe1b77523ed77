package dev.sshuttle.it.lfn;

import java.time.Duration;

/**
 * What a {@link DelayingRelay} does to each direction of the connections through it: a fixed
 * one-way delay, optionally a loss rate and a bandwidth cap, and how much it may hold.
 *
 * @param oneWay       delay added to every byte, each way (the round trip is twice this)
 * @param lossRate     0..1: the probability that a chunk (and so every byte behind it) waits one
 *                     more round trip, as a retransmission would make it; a relay on a TCP path
 *                     cannot drop bytes, and the sender's congestion response is not emulated
 * @param bytesPerSecond cap on each direction's rate (0: none); bytes wait their turn, as on a
 *                     bottleneck link, before the delay starts
 * @param maxQueuedBytes what one direction of one connection may hold; a full line stops reading
 *                     its sender, so TCP's own flow control pushes back
 */
public record LinkShape(Duration oneWay, double lossRate, long bytesPerSecond, long maxQueuedBytes) {
    /** Enough for 1 GB/s at a 300 ms round trip would be 300 MB; 64 MiB covers 400 MB/s at 150 ms. */
    public static final long DEFAULT_MAX_QUEUED = 64L << 20;
    public static final Duration MAX_ONE_WAY = Duration.ofSeconds(2);

    public LinkShape {
        if (oneWay.isNegative() || oneWay.compareTo(MAX_ONE_WAY) > 0) {
            throw new IllegalArgumentException("one-way delay must be within 0.." + MAX_ONE_WAY + ", not " + oneWay);
        }
        if (!(lossRate >= 0 && lossRate <= 1)) throw new IllegalArgumentException("loss rate must be within 0..1, not " + lossRate);
        if (bytesPerSecond < 0) throw new IllegalArgumentException("bandwidth cap must be >= 0, not " + bytesPerSecond);
        if (maxQueuedBytes < DelayLine.CHUNK_BYTES) {
            throw new IllegalArgumentException("a line must hold at least one chunk (" + DelayLine.CHUNK_BYTES + " B), not " + maxQueuedBytes);
        }
    }

    /** A round trip of rtt (half of it each way), no loss, no cap. */
    public static LinkShape roundTrip(Duration rtt) {
        return new LinkShape(rtt.dividedBy(2), 0, 0, DEFAULT_MAX_QUEUED);
    }

    public LinkShape withLoss(double rate) {
        return new LinkShape(oneWay, rate, bytesPerSecond, maxQueuedBytes);
    }

    public LinkShape withBandwidth(long bytesPerSecondCap) {
        return new LinkShape(oneWay, lossRate, bytesPerSecondCap, maxQueuedBytes);
    }

    public LinkShape withMaxQueued(long bytes) {
        return new LinkShape(oneWay, lossRate, bytesPerSecond, bytes);
    }

    public Duration roundTrip() {
        return oneWay.multipliedBy(2);
    }

    @Override
    public String toString() {
        return "rtt " + roundTrip().toMillis() + " ms" + (lossRate > 0 ? ", loss " + lossRate : "")
                + (bytesPerSecond > 0 ? ", cap " + bytesPerSecond / 1_000_000 + " MB/s" : "");
    }
}
