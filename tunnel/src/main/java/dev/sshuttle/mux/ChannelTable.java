package dev.sshuttle.mux;

import java.util.Arrays;

/**
 * Channel numbers and what lives on them: TCP channels by number (an array, not a boxed map,
 * on the path of every frame), DNS and UDP channels by kind. The client hands out numbers:
 * the next free one after the last, skipping numbers freed less than the reuse delay ago,
 * because the peer may still have frames in flight for the old channel that would land on the
 * new connection.
 */
final class ChannelTable {
    private static final byte FREE = 0;
    private static final byte TCP = 1;
    private static final byte DNS = 2;
    private static final byte UDP = 3;
    static final long NEVER_FREED = Long.MIN_VALUE;

    private final int maxChannel;
    private final TcpChannel[] tcp = new TcpChannel[Frame.MAX_CHANNEL + 1];
    private final byte[] kind = new byte[Frame.MAX_CHANNEL + 1];
    private final long[] freedAtNanos;
    private int lastAllocated;
    private int tcpCount;
    private int otherCount;

    ChannelTable(int maxChannel, boolean allocates) {
        this.maxChannel = maxChannel;
        this.freedAtNanos = new long[allocates ? maxChannel + 1 : 0];
        Arrays.fill(freedAtNanos, NEVER_FREED);
    }

    /** A free number not freed within {@code reuseDelayNanos}, or -1 when every number is taken or cooling down. */
    int allocate(long nowNanos, long reuseDelayNanos) {
        for (int i = 0; i < maxChannel; i++) {
            int ch = lastAllocated % maxChannel + 1;
            lastAllocated = ch;
            if (kind[ch] != FREE) continue;
            long freed = freedAtNanos[ch];
            if (freed != NEVER_FREED && nowNanos - freed < reuseDelayNanos) continue;
            return ch;
        }
        return -1;
    }

    TcpChannel tcp(int ch) {
        return tcp[ch];
    }

    boolean inUse(int ch) {
        return kind[ch] != FREE;
    }

    boolean isDns(int ch) {
        return kind[ch] == DNS;
    }

    boolean isUdp(int ch) {
        return kind[ch] == UDP;
    }

    void putTcp(TcpChannel c) {
        tcp[c.id] = c;
        kind[c.id] = TCP;
        tcpCount++;
    }

    void putDns(int ch) {
        kind[ch] = DNS;
        otherCount++;
    }

    void putUdp(int ch) {
        kind[ch] = UDP;
        otherCount++;
    }

    /** Frees the number (any kind); remembers when, for the reuse delay. */
    void free(int ch, long nowNanos) {
        if (kind[ch] == FREE) return;
        if (kind[ch] == TCP) {
            tcp[ch] = null;
            tcpCount--;
        } else {
            otherCount--;
        }
        kind[ch] = FREE;
        if (freedAtNanos.length > ch) freedAtNanos[ch] = nowNanos;
    }

    int tcpCount() {
        return tcpCount;
    }

    int count() {
        return tcpCount + otherCount;
    }
}
