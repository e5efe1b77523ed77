package dev.sshuttle.sim;

/**
 * One simulated transport (the ssh pipe), the same in both directions.
 *
 * @param oneWayLatencyNanos  propagation delay of every byte
 * @param bytesPerSecond      serialization rate; a chunk of n bytes occupies the wire n/rate
 * @param sendBufferBytes     what each side's socket/pipe buffer holds: the driver pulls from the
 *                            mux only while there is room, so queues stay in the mux's scheduler
 * @param maxChunkBytes       the wire moves chunks of 1..maxChunk bytes; the receiver sees them
 *                            split further at random (arbitrary chunking)
 * @param corruptPerMillion   0 = clean; otherwise the chance, per delivered chunk, of one
 *                            modpipe-style corruption (flip, drop, duplicate, truncate)
 */
public record LinkConfig(long oneWayLatencyNanos, long bytesPerSecond, int sendBufferBytes, int maxChunkBytes,
                         int corruptPerMillion) {
    public LinkConfig {
        if (oneWayLatencyNanos < 0 || bytesPerSecond < 1 || sendBufferBytes < 1 || maxChunkBytes < 1) {
            throw new IllegalArgumentException(toStringOf(oneWayLatencyNanos, bytesPerSecond, sendBufferBytes, maxChunkBytes));
        }
    }

    /** 50 ms round trip, 100 Mbit/s, 64 KiB socket buffers: the measurement link. */
    public static LinkConfig wan100Mbit() {
        return new LinkConfig(25_000_000L, 12_500_000L, 64 * 1024, 16 * 1024, 0);
    }

    public LinkConfig withCorruption(int perMillion) {
        return new LinkConfig(oneWayLatencyNanos, bytesPerSecond, sendBufferBytes, maxChunkBytes, perMillion);
    }

    /** Nanoseconds the wire needs for {@code bytes}. */
    public long serializationNanos(long bytes) {
        return Math.ceilDiv(bytes * 1_000_000_000L, bytesPerSecond);
    }

    @Override
    public String toString() {
        return toStringOf(oneWayLatencyNanos, bytesPerSecond, sendBufferBytes, maxChunkBytes)
                + (corruptPerMillion > 0 ? " corrupt=" + corruptPerMillion + "ppm" : "");
    }

    private static String toStringOf(long latency, long rate, int buffer, int chunk) {
        return "link[latency=" + latency / 1_000_000.0 + "ms rate=" + rate + "B/s buffer=" + buffer + " chunk<=" + chunk + "]";
    }
}
