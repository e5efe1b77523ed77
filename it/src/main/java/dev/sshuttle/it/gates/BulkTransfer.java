package dev.sshuttle.it.gates;

import dev.sshuttle.it.target.SourceService;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A bulk download running beside other traffic: one connection after another to the source
 * service, each asking for {@code chunkBytes} and checking the pattern, until {@link #stop()}
 * or the time limit. What it moved and how many downloads came back wrong are its result.
 */
public final class BulkTransfer implements AutoCloseable {
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicInteger errors = new AtomicInteger();
    private final long startNanos = System.nanoTime();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Socket current;
    private volatile String lastError;

    private final long bytesPerSecond;

    private BulkTransfer(ThreadFactory threads, InetSocketAddress source, long chunkBytes, Duration limit, long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
        long deadline = startNanos + limit.toNanos();
        thread = threads.newThread(() -> {
            while (!stopping && System.nanoTime() < deadline) download(source, chunkBytes);
        });
        thread.start();
    }

    /** Starts downloading from source on a thread of `threads` (a namespace's), for at most `limit`. */
    public static BulkTransfer start(ThreadFactory threads, InetSocketAddress source, long chunkBytes, Duration limit) {
        return new BulkTransfer(threads, source, chunkBytes, limit, 0);
    }

    /**
     * As {@link #start}, reading at most bytesPerSecond on average: a soak's background transfer
     * that leaves the shared cores to the rest of the load (the tunnel's windows slow the source).
     */
    public static BulkTransfer paced(ThreadFactory threads, InetSocketAddress source, long chunkBytes, Duration limit,
                                     long bytesPerSecond) {
        return new BulkTransfer(threads, source, chunkBytes, limit, bytesPerSecond);
    }

    private void download(InetSocketAddress source, long n) {
        try (Socket s = new Socket()) {
            current = s;
            s.connect(source, 5000);
            s.setSoTimeout(30_000);
            SourceService.Download got = SourceService.download(s, n, r -> pace(bytes.addAndGet(r)));
            if (got.isPattern(n)) completed.incrementAndGet();
            else fail("download of " + n + " bytes returned " + got.bytes() + " bytes or different ones");
        } catch (IOException e) {
            if (!stopping) fail(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Pacing, not synchronisation: waits until `total` bytes are due at the configured rate (100 ms at most). */
    private void pace(long total) {
        if (bytesPerSecond <= 0) return;
        long dueNanos = startNanos + (long) (total * 1e9 / bytesPerSecond);
        long ahead = dueNanos - System.nanoTime();
        if (ahead > 0) LockSupport.parkNanos(Math.min(ahead, 100_000_000L));
    }

    private void fail(String why) {
        errors.incrementAndGet();
        lastError = why;
    }

    public long bytes() {
        return bytes.get();
    }

    public int completed() {
        return completed.get();
    }

    public int errors() {
        return errors.get();
    }

    public String lastError() {
        return lastError;
    }

    public double mbPerSecond() {
        return bytes.get() / 1e6 / Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
    }

    /** Stops (closing the connection in progress) and waits for the thread, at most 10 s. */
    public void stop() {
        stopping = true;
        Socket s = current;
        try {
            if (s != null) s.close();
        } catch (IOException ignored) {
            // stopping anyway
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
