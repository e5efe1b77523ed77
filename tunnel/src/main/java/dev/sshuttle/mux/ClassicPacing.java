package dev.sshuttle.mux;

import java.nio.charset.StandardCharsets;

/**
 * sshuttle's "latency control" for the classic protocol: past a buffer's worth of payload sent,
 * send PING "rttest" and hold all channel data until any PONG arrives. It caps the tunnel at
 * one buffer per round trip (the original's throughput limit), but it is what a stock peer
 * expects, so 0001 keeps it exactly.
 */
final class ClassicPacing {
    static final byte[] RTTEST = "rttest".getBytes(StandardCharsets.US_ASCII);

    private final boolean enabled;
    private final int bufferBytes;
    private long fullness;
    private boolean waiting;

    ClassicPacing(boolean enabled, int bufferBytes) {
        this.enabled = enabled;
        this.bufferBytes = bufferBytes;
    }

    /** Data may not go out now: a PING "rttest" waits for its PONG. */
    boolean holdsData() {
        return enabled && waiting;
    }

    void sent(int payloadBytes) {
        fullness += payloadBytes;
    }

    /** True when the buffer is now over full: the caller sends PING "rttest". */
    boolean startWaiting() {
        if (!enabled || waiting || fullness <= bufferBytes) return false;
        waiting = true;
        return true;
    }

    /** Any PONG ends the wait, whatever its payload (as sshuttle does). */
    void onPong() {
        fullness = 0;
        waiting = false;
    }
}
