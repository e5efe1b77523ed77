package dev.sshuttle.sys;

import java.io.IOException;

/** A failed native call: the message names the call and the errno, which callers may test. */
public final class NativeIOException extends IOException {
    private final int errno;

    public NativeIOException(String call, int errno) {
        super(call + " failed: " + Errno.describe(errno));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
