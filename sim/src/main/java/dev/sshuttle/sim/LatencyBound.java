package dev.sshuttle.sim;

/**
 * How long an interactive round trip may take beside any bulk traffic, derived from the
 * mechanism: the scheduler sends a quiet channel's frame before any bulk frame, so the frame
 * waits only behind what is already inside the transport, which the sender's in-flight bound
 * caps (its limit plus {@link Endpoint#IN_FLIGHT_ALLOWANCE_BYTES}: the sparse slack, a frame
 * being written, control frames). If the transport is full past the slack too, the frame
 * waits for the next probe answer, which takes at most as long again. So per direction the
 * queueing is at most twice (limit + allowance) / rate, and the round trip is
 * <pre>
 *   bound = 2 x one-way latency + 2 x (limit_client + limit_server + 2 x allowance) / rate + 2 x 5 ms
 * </pre>
 * (the 5 ms cover the simulated applications' and sockets' own turns). Without the in-flight
 * bound the frame would wait behind everything the transport buffers (up to 4 MiB in the
 * generated links), which this bound does not allow.
 */
public record LatencyBound(LinkConfig link, long clientLimitBytes, long serverLimitBytes) {
    static final long TURN_NANOS = 5_000_000L;

    public long nanos() {
        long queued = clientLimitBytes + serverLimitBytes + 2 * Endpoint.IN_FLIGHT_ALLOWANCE_BYTES;
        return 2 * link.oneWayLatencyNanos() + 2 * link.serializationNanos(queued) + 2 * TURN_NANOS;
    }

    /** Whether the stream is interactive: small messages both ways, fast readers, no fault. */
    static boolean applies(StreamSpec s) {
        return s.mode() == StreamSpec.Mode.REQUEST_RESPONSE && s.requestBytes() <= 256 && s.responseBytes() <= 256
                && s.clientReader().kind() == StreamSpec.Reader.Kind.FAST
                && s.serverReader().kind() == StreamSpec.Reader.Kind.FAST && s.fault() == StreamSpec.Fault.NONE;
    }

    @Override
    public String toString() {
        return String.format("%.1f ms (latency %.1f ms each way, limits %d + %d bytes at %d B/s)", nanos() / 1e6,
                link.oneWayLatencyNanos() / 1e6, clientLimitBytes, serverLimitBytes, link.bytesPerSecond());
    }
}
