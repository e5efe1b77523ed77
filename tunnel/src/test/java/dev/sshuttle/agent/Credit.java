package dev.sshuttle.agent;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/** Send credit of one channel as the test client sees it (0002 windows). */
final class Credit {
    private long available;

    Credit(long initial) {
        available = initial;
    }

    synchronized void add(long bytes) {
        available += bytes;
        notifyAll();
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
