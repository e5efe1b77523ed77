package dev.sshuttle.sim;

/**
 * How long an interactive round trip may take beside any bulk traffic, derived from the
 * mechanism. The scheduler sends a quiet channel's frame before any bulk frame, so the frame
 * waits only behind what is already inside the transport: bulk fills the sender's in-flight
 * bound but never passes it, and the sparse slack above it is kept for quiet channels, so the
 * queue ahead is at most the limit plus {@link Endpoint#IN_FLIGHT_ALLOWANCE_BYTES}. Each way
 * then costs at most one-way latency + (limit + allowance) / rate, the round trip the sum of
 * both ways. Several quiet channels at once may use the slack up; then a frame waits for the
 * next probe answer, at most one more such round trip. So
 * <pre>
 *   bound = 2 x (2 x one-way latency + (limit_client + limit_server + 2 x allowance) / rate) + 2 x 5 ms
 * </pre>
 * (the 5 ms cover the simulated applications' and sockets' own turns). Without the in-flight
 * bound the frame would wait behind everything the transport buffers (up to 8 MiB in the
 * generated links, as much as the channels' windows put there), which this bound does not allow.
 */
public record LatencyBound(LinkConfig link, long clientLimitBytes, long serverLimitBytes) {
    static final long TURN_NANOS = 5_000_000L;

    public long nanos() {
        long queued = clientLimitBytes + serverLimitBytes + 2 * Endpoint.IN_FLIGHT_ALLOWANCE_BYTES;
        return 2 * (2 * link.oneWayLatencyNanos() + link.serializationNanos(queued)) + 2 * TURN_NANOS;
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
