package dev.sshuttle.mux;

import java.time.Duration;

/**
 * Tunables of one mux endpoint. Units are in the names. Defaults follow sshuttle where the
 * classic protocol is concerned and docs/protocol.md for 0002.
 *
 * @param latencyControl       0001 only: throttle with PING "rttest" past the buffer size
 * @param latencyBufferBytes   0001 only: payload bytes sent before waiting for a PONG
 * @param initialWindowBytes   0002: credit each channel starts with, per direction (fixed by the spec)
 * @param maxWindowBytes       0002: window growth stops here
 * @param keepaliveIntervalNanos  send PING "ka" after this long without input (0 = off)
 * @param keepaliveTimeoutNanos   declare the peer dead after this long without input (0 = off)
 * @param maxChannel           channel numbers wrap after this (sshuttle's --wrap)
 * @param inFlightGain         0002: the in-flight bound is this times the bandwidth-delay product
 *                             ({@link #IN_FLIGHT_GAIN}; {@link #STRIPED_IN_FLIGHT_GAIN} in a striped session)
 */
public record MuxConfig(
        boolean latencyControl,
        int latencyBufferBytes,
        int initialWindowBytes,
        int maxWindowBytes,
        long keepaliveIntervalNanos,
        long keepaliveTimeoutNanos,
        int maxChannel,
        double inFlightGain) {

    public static final int INITIAL_WINDOW = 256 * 1024;
    public static final double IN_FLIGHT_GAIN = 2.0;
    /**
     * A striped session's gain (docs/protocol.md, "Striping"): its link is long by construction,
     * and the bound's second bandwidth-delay product sits queued ahead of every interactive
     * frame, a whole round trip more (measured at 50 and 100 ms: 1.6-1.7x the idle round trip
     * with 2, 1.15x with 1.25, at the same or better throughput).
     */
    public static final double STRIPED_IN_FLIGHT_GAIN = 1.25;

    public MuxConfig(boolean latencyControl, int latencyBufferBytes, int initialWindowBytes, int maxWindowBytes,
                     long keepaliveIntervalNanos, long keepaliveTimeoutNanos, int maxChannel) {
        this(latencyControl, latencyBufferBytes, initialWindowBytes, maxWindowBytes, keepaliveIntervalNanos,
                keepaliveTimeoutNanos, maxChannel, IN_FLIGHT_GAIN);
    }
    public static final int MAX_WINDOW = 16 * 1024 * 1024;

    public MuxConfig {
        if (latencyBufferBytes < 1) throw new IllegalArgumentException("latency buffer must be positive");
        if (maxChannel < 1 || maxChannel > Frame.MAX_CHANNEL) throw new IllegalArgumentException("maxChannel " + maxChannel);
        if (initialWindowBytes < 1 || maxWindowBytes < initialWindowBytes) throw new IllegalArgumentException("window");
        if (!(inFlightGain >= 1 && inFlightGain <= 4)) throw new IllegalArgumentException("inFlightGain " + inFlightGain);
    }

    public static MuxConfig defaults() {
        return new MuxConfig(true, 32768, INITIAL_WINDOW, MAX_WINDOW, 0, 0, Frame.MAX_CHANNEL);
    }

    public MuxConfig withLatencyControl(boolean on, int bufferBytes) {
        return new MuxConfig(on, bufferBytes, initialWindowBytes, maxWindowBytes,
                keepaliveIntervalNanos, keepaliveTimeoutNanos, maxChannel, inFlightGain);
    }

    public MuxConfig withKeepalive(Duration interval, Duration timeout) {
        return new MuxConfig(latencyControl, latencyBufferBytes, initialWindowBytes, maxWindowBytes,
                interval.toNanos(), timeout.toNanos(), maxChannel, inFlightGain);
    }

    public MuxConfig withMaxChannel(int max) {
        return new MuxConfig(latencyControl, latencyBufferBytes, initialWindowBytes, maxWindowBytes,
                keepaliveIntervalNanos, keepaliveTimeoutNanos, max, inFlightGain);
    }

    public MuxConfig withMaxWindow(int maxWindow) {
        return new MuxConfig(latencyControl, latencyBufferBytes, initialWindowBytes, maxWindow,
                keepaliveIntervalNanos, keepaliveTimeoutNanos, maxChannel, inFlightGain);
    }

    public MuxConfig withInFlightGain(double gain) {
        return new MuxConfig(latencyControl, latencyBufferBytes, initialWindowBytes, maxWindowBytes,
                keepaliveIntervalNanos, keepaliveTimeoutNanos, maxChannel, gain);
    }
}
