package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * How a local connection through the tunnel ended after the ssh connection died: a reset or
 * an EOF are both fine; a read that times out means the application would hang, and fails.
 */
record LocalEnd(String how, long bytesAfterCut, long afterCutMs) {
    /**
     * Reads s until EOF or an error, for at most `within` in total (each read waits at most
     * that long too); the time is counted from cutAtNanos, clientLog explains a failure.
     */
    static LocalEnd readToEnd(Socket s, String what, long cutAtNanos, Duration within, Supplier<String> clientLog)
            throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        s.setSoTimeout((int) within.toMillis());
        InputStream in = s.getInputStream();
        byte[] buf = new byte[1 << 16];
        long bytes = 0;
        try {
            for (int n; (n = in.read(buf)) >= 0; bytes += n) {
                if (System.nanoTime() > deadline) fail(what + ": still receiving data " + within + " after the ssh connection was cut; client log:\n" + clientLog.get());
            }
            return new LocalEnd("EOF", bytes, sinceMs(cutAtNanos));
        } catch (SocketTimeoutException e) {
            return fail(what + ": no EOF and no reset within " + within + " of the ssh cut: the application would hang;"
                    + " client log:\n" + clientLog.get());
        } catch (IOException e) {
            return new LocalEnd("reset (" + e.getMessage() + ")", bytes, sinceMs(cutAtNanos));
        }
    }

    static long sinceMs(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
