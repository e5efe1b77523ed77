package dev.sshuttle.agent;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Send credit of one channel as the test client sees it (0002 windows), and whether this
 * blocked episode was signalled (TCP_WINDOW 0) to the agent yet.
 */
final class Credit {
    private long available;
    private boolean blockedSignalled;

    Credit(long initial) {
        available = initial;
    }

    synchronized void add(long bytes) {
        available += bytes;
        if (bytes > 0) blockedSignalled = false;
        notifyAll();
    }

    /** True once per blocked episode, when there is no credit: time to send TCP_WINDOW 0. */
    synchronized boolean takeBlockedSignal() {
        if (available > 0 || blockedSignalled) return false;
        blockedSignalled = true;
        return true;
    }

    synchronized long available() {
        return available;
    }

    /** Takes between 1 and max bytes of credit, waiting for some to be granted. */
    synchronized int take(int max, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (available <= 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) throw new TimeoutException("no TCP_WINDOW credit within " + timeout);
            wait(Math.max(1, left / 1_000_000));
        }
        int n = (int) Math.min(max, available);
        available -= n;
        return n;
    }
}
