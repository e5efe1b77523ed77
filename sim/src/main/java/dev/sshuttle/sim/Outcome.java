package dev.sshuttle.sim;

import java.util.List;
import java.util.Map;

/** What one run of a scenario produced: the violated invariants (empty = passed) and statistics. */
public record Outcome(Scenario scenario, List<String> violations, String protocolError, long endNanos, long events,
                      int damages, Map<Integer, StreamRun> streams, int reusedChannels, LatencyBound latency,
                      long latencyRoundTrips, double worstLatencyShare) {
    public boolean passed() {
        return violations.isEmpty();
    }

    /** The kind of the first violation ("bytes", "eof", "deadlock"...), for shrinking to the same failure. */
    public String failureKind() {
        if (violations.isEmpty()) return "";
        String first = violations.getFirst();
        int colon = first.indexOf(':');
        return colon < 0 ? first : first.substring(0, colon);
    }

    /** Round trips measured by the client application of a request/response stream. */
    public List<Long> roundTripsNanos(int streamId) {
        StreamRun s = streams.get(streamId);
        return s == null || s.client == null ? List.of() : List.copyOf(s.client.roundTripsNanos);
    }

    /** Virtual nanoseconds from a stream's start until both its ends were done. */
    public long durationNanos(int streamId) {
        StreamRun s = streams.get(streamId);
        return s == null || s.doneNanos < 0 ? -1 : s.doneNanos - s.startedNanos;
    }

    /**
     * Bytes per second one side's application received on a stream, first byte to last.
     * {@code client} picks the downloading side (the client application).
     */
    public double goodputBytesPerSecond(int streamId, boolean client) {
        StreamRun s = streams.get(streamId);
        ChannelEnd e = s == null ? null : client ? s.client : s.server;
        if (e == null || e.lastByteNanos <= e.firstByteNanos) return 0;
        return e.appRead * 1e9 / (e.lastByteNanos - e.firstByteNanos);
    }

    /** Bytes per second all receiving applications of the given streams got together, first byte to last. */
    public double aggregateGoodputBytesPerSecond(List<Integer> streamIds) {
        long bytes = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (int id : streamIds) {
            StreamRun s = streams.get(id);
            for (ChannelEnd e : new ChannelEnd[] {s.client, s.server}) {
                if (e == null || e.appRead == 0) continue;
                bytes += e.appRead;
                first = Math.min(first, e.firstByteNanos);
                last = Math.max(last, e.lastByteNanos);
            }
        }
        return last <= first ? 0 : bytes * 1e9 / (last - first);
    }

    /** Largest unconsumed backlog any channel end of the stream held (0002: bounded by its window). */
    public long maxPendingBytes(int streamId) {
        StreamRun s = streams.get(streamId);
        if (s == null) return 0;
        return Math.max(s.client == null ? 0 : s.client.maxPending, s.server == null ? 0 : s.server.maxPending);
    }

    public String report() {
        StringBuilder b = new StringBuilder(scenario.describe());
        b.append("  ended at ").append(endNanos / 1_000_000).append(" ms virtual after ").append(events).append(" events");
        if (protocolError != null) b.append(", protocol error: ").append(protocolError);
        b.append('\n');
        for (String v : violations) b.append("  VIOLATION ").append(v).append('\n');
        return b.toString();
    }
}
