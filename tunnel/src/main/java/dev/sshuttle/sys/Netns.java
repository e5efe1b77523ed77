package dev.sshuttle.sys;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Moves the calling thread into a named network namespace ({@code /run/netns/<name>}, as made by
 * {@code ip netns add}) with setns(2). The kernel switches only the calling OS thread, and a
 * socket stays in the namespace it was created in, whatever thread uses it later. So:
 * <ul>
 * <li>call it on a <b>platform</b> thread that you own (a virtual thread may run on any carrier,
 * so it is refused), and create the sockets on that thread;</li>
 * <li>do not return the thread to a pool that others use: it stays in the namespace.
 * {@link #call} runs a task on a fresh platform thread that ends afterwards.</li>
 * </ul>
 * Needs CAP_SYS_ADMIN (root). Meant for tests that drive sockets inside a namespace.
 */
public final class Netns {
    private static final int CLONE_NEWNET = 0x40000000;

    private Netns() {}

    public static void enter(String nsName) throws IOException {
        if (nsName == null || nsName.isEmpty() || nsName.contains("/") || nsName.startsWith(".")) {
            throw new IllegalArgumentException("bad network namespace name: " + nsName);
        }
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("Netns.enter needs a platform thread, not a virtual one");
        }
        String path = "/run/netns/" + nsName;
        int fd = Libc.open(path, Libc.O_RDONLY_CLOEXEC);
        try {
            Libc.setns(fd, CLONE_NEWNET, "setns(" + path + ", CLONE_NEWNET)");
        } finally {
            Libc.closeQuietly(fd);
        }
    }

    /** Runs the task on a new platform thread inside the namespace and returns its result. */
    public static <T> T call(String nsName, Callable<T> task) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().name("netns-" + nsName).start(() -> {
            try {
                enter(nsName);
                result.set(task.call());
            } catch (Exception e) {
                failure.set(e);
            }
        });
        thread.join();
        if (failure.get() != null) throw failure.get();
        return result.get();
    }
}
