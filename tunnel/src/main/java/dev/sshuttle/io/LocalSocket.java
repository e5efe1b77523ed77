package dev.sshuttle.io;

import java.io.IOException;

/** A local TCP connection: the application's end of one tunnelled connection, as the bridge drives it. */
public interface LocalSocket extends NonBlockingStream {
    /** Sends FIN: the application reads EOF. */
    void shutdownOutput() throws IOException;

    /** Reads nothing more (best effort). */
    void shutdownInput();

    /** Closes the socket; with {@code reset}, abortively (RST), so the application sees ECONNRESET. */
    void close(boolean reset);
}
