package dev.sshuttle.io;

/** Readiness of a {@link NonBlockingStream}, reported on the loop while the interest is on. */
public interface Readiness {
    void onReadable();

    void onWritable();
}
