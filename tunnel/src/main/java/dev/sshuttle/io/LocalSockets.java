package dev.sshuttle.io;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;

/** Ending a local application's connection, for paths that have nothing left to say to it. */
public final class LocalSockets {
    private LocalSockets() {}

    /** Closes with RST (SO_LINGER 0): the application sees a reset, not a clean end of stream. */
    public static void reset(SocketChannel s) {
        try {
            s.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException ignored) {
            // closed already, or never connected: a plain close is all there is
        }
        closeQuietly(s);
    }

    public static void closeQuietly(SocketChannel s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
