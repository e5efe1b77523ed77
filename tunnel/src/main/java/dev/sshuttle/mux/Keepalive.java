package dev.sshuttle.mux;

import java.nio.charset.StandardCharsets;

/**
 * Dead-peer detection: after the interval without input, a PING "ka"; after the timeout
 * without input, the peer is dead (reported once). Any input resets it.
 */
final class Keepalive {
    static final byte[] PAYLOAD = "ka".getBytes(StandardCharsets.US_ASCII);

    private final long intervalNanos;
    private final long timeoutNanos;
    private long lastInputNanos;
    private boolean pingOutstanding;
    private boolean fired;

    Keepalive(long intervalNanos, long timeoutNanos, long nowNanos) {
        this.intervalNanos = intervalNanos;
        this.timeoutNanos = timeoutNanos;
        this.lastInputNanos = nowNanos;
    }

    void input(long nowNanos) {
        lastInputNanos = nowNanos;
        pingOutstanding = false;
        fired = false;
    }

    /** What is due now. */
    enum Due { NOTHING, PING, DEAD }

    Due tick(long nowNanos) {
        if (intervalNanos <= 0) return Due.NOTHING;
        long silent = nowNanos - lastInputNanos;
        if (timeoutNanos > 0 && silent >= timeoutNanos) {
            if (fired) return Due.NOTHING;
            fired = true;
            return Due.DEAD;
        }
        if (silent >= intervalNanos && !pingOutstanding) {
            pingOutstanding = true;
            return Due.PING;
        }
        return Due.NOTHING;
    }

    long silentNanos(long nowNanos) {
        return nowNanos - lastInputNanos;
    }

    /** When tick() next has something to do; Long.MAX_VALUE for never. */
    long nextDeadline() {
        if (intervalNanos <= 0 || fired) return Long.MAX_VALUE;
        if (!pingOutstanding) return lastInputNanos + intervalNanos;
        return timeoutNanos > 0 ? lastInputNanos + timeoutNanos : Long.MAX_VALUE;
    }
}
