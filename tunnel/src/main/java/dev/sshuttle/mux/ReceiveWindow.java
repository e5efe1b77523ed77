package dev.sshuttle.mux;

/**
 * 0002: the receiving side of one channel's window, as running totals named for what they count.
 * The peer may send up to {@code granted - received} more bytes; we owe it a grant of
 * {@code consumed + window - granted}, sent once that reaches a quarter of the window, so the
 * bytes held for a slow local reader never exceed the window.
 *
 * <p>Growth: the window doubles (up to the maximum) when the sender says it is blocked on
 * credit (a TCP_WINDOW of 0) while the local reader keeps up (less than an eighth of the window
 * waits unwritten) and half a window was consumed since the last growth. Only the sender can
 * tell that the window is what holds it back; the rule needs no round-trip estimate, so it works
 * the same at 0.2 ms and at 150 ms, and a slow reader's window never grows. Any grant ends the
 * sender's blocked episode, so without the half-window rule routine grants would let a window
 * double again before the last doubling reached the sender.
 */
final class ReceiveWindow {
    private final long maxWindow;
    private long window;
    private long received;
    private long consumed;
    private long granted;
    private long consumedAtGrowth;

    ReceiveWindow(long initialWindow, long maxWindow) {
        this.window = initialWindow;
        this.granted = initialWindow;
        this.maxWindow = maxWindow;
    }

    /** Bytes the peer may still send before our next grant. */
    long peerCredit() {
        return granted - received;
    }

    /** Delivered to the listener, not yet written to the local socket. */
    long unconsumed() {
        return received - consumed;
    }

    long window() {
        return window;
    }

    /** Takes {@code bytes} of TCP_DATA; false when they exceed the credit (a protocol error). */
    boolean receive(long bytes) {
        if (bytes > peerCredit()) return false;
        received += bytes;
        return true;
    }

    /**
     * The listener wrote {@code bytes} to the socket; {@code drained}: a backlog it held has just
     * been written out, so whatever is owed goes back now. True when a grant is now due.
     */
    boolean consume(long bytes, boolean drained) {
        consumed += bytes;
        return grantDue() || drained && owed() > 0;
    }

    /** The sender is blocked on credit: grow if the reader keeps up. True when a grant is now due. */
    boolean senderBlocked() {
        if (window < maxWindow && unconsumed() < window / 8 && consumed - consumedAtGrowth >= window / 2) {
            window = Math.min(maxWindow, window * 2);
            consumedAtGrowth = consumed;
        }
        return grantDue();
    }

    boolean grantDue() {
        return owed() >= window / 4;
    }

    /** The increment to send now; counts it as granted. */
    long takeGrant() {
        long increment = owed();
        granted += increment;
        return increment;
    }

    private long owed() {
        return consumed + window - granted;
    }
}
