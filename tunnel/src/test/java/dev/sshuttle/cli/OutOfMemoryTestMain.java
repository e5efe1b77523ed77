package dev.sshuttle.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs out of heap the way the client did under a PING flood: on a worker thread, with an
 * uncaught-exception handler that itself needs memory, while the main thread waits (as the
 * client's main thread waits for its session). Without an exit on OutOfMemoryError the JVM
 * stays up, holding its heap, forever.
 */
public final class OutOfMemoryTestMain {
    private OutOfMemoryTestMain() {}

    public static void main(String[] args) throws InterruptedException {
        List<byte[]> hoard = new ArrayList<>();
        Thread worker = Thread.ofPlatform().name("client-loop").unstarted(() -> {
            while (true) hoard.add(new byte[1 << 20]); // bounded by the heap: ends in OutOfMemoryError
        });
        worker.setUncaughtExceptionHandler((t, e) -> hoard.add(new byte[1 << 20]));
        System.out.println("allocating");
        System.out.flush();
        worker.start();
        Thread.sleep(Long.MAX_VALUE);
    }
}
