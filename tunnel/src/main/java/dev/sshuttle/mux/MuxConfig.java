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
 */
public record MuxConfig(
        boolean latencyControl,
        int latencyBufferBytes,
        int initialWindowBytes,
        int maxWindowBytes,
        long keepaliveIntervalNanos,
        long keepaliveTimeoutNanos,
        int maxChannel) {

    public static final int INITIAL_WINDOW = 256 * 1024;
    public static final int MAX_WINDOW = 16 * 1024 * 1024;

    public MuxConfig {
        if (latencyBufferBytes < 1) throw new IllegalArgumentException("latency buffer must be positive");
        if (maxChannel < 1 || maxChannel > Frame.MAX_CHANNEL) throw new IllegalArgumentException("maxChannel " + maxChannel);
        if (initialWindowBytes < 1 || maxWindowBytes < initialWindowBytes) throw new IllegalArgumentException("window");
    }

    public static MuxConfig defaults() {
        return new MuxConfig(true, 32768, INITIAL_WINDOW, MAX_WINDOW, 0, 0, Frame.MAX_CHANNEL);
    }

    public MuxConfig withLatencyControl(boolean on, int bufferBytes) {
        return new MuxConfig(on, bufferBytes, initialWindowBytes, maxWindowBytes,
                keepaliveIntervalNanos, keepaliveTimeoutNanos, maxChannel);
    }

    public MuxConfig withKeepalive(Duration interval, Duration timeout) {
        return new MuxConfig(latencyControl, latencyBufferBytes, initialWindowBytes, maxWindowBytes,
                interval.toNanos(), timeout.toNanos(), maxChannel);
    }

    public MuxConfig withMaxChannel(int max) {
        return new MuxConfig(latencyControl, latencyBufferBytes, initialWindowBytes, maxWindowBytes,
                keepaliveIntervalNanos, keepaliveTimeoutNanos, max);
    }

    public MuxConfig withMaxWindow(int maxWindow) {
        return new MuxConfig(latencyControl, latencyBufferBytes, initialWindowBytes, maxWindow,
                keepaliveIntervalNanos, keepaliveTimeoutNanos, maxChannel);
    }
}
