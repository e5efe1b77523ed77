package dev.sshuttle.it.sys;

import dev.sshuttle.sys.Libc;
import dev.sshuttle.sys.NativeIOException;
import java.nio.file.Path;

/**
 * setns(2), through the product's libc binding ({@link Libc}): moves the CALLING thread into a
 * network namespace. Sockets that thread creates afterwards belong to that namespace for their
 * whole life, whatever thread uses them. Only ever call this on a dedicated platform thread
 * (never a virtual thread or a pooled one): the thread stays in the namespace until it dies.
 */
public final class Setns {
    private static final int EPERM = 1;

    private Setns() {}

    /** Moves the current thread into the network namespace bound at nsFile (e.g. /run/netns/NAME). */
    public static void enterNetworkNamespace(Path nsFile) {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("setns on a virtual thread would move its carrier; use a platform thread");
        }
        try {
            int fd = Libc.open(nsFile.toString(), Libc.O_RDONLY_CLOEXEC);
            try {
                Libc.setns(fd, Libc.CLONE_NEWNET, "setns(" + nsFile + ", CLONE_NEWNET)");
            } finally {
                Libc.closeQuietly(fd);
            }
        } catch (NativeIOException e) {
            throw new IllegalStateException(e.getMessage()
                    + (e.errno() == EPERM ? " (needs root / CAP_SYS_ADMIN)" : ""), e);
        }
    }
}
