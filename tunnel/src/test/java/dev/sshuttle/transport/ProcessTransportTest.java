package dev.sshuttle.transport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ending the ssh process: politely on close(), at once on abort() (a stalled ssh ignores its stdin's EOF). */
class ProcessTransportTest {
    // a stand-in for ssh on a stalled connection: it does not exit when its stdin closes
    private static ProcessTransport deafToEof() throws IOException {
        return ProcessTransport.start(List.of("/bin/sh", "-c", "exec sleep 60"), "deaf process");
    }

    @Test
    void abortEndsAProcessThatIgnoresEofWithoutTheGracePeriod() throws IOException {
        ProcessTransport t = deafToEof();
        ProcessHandle h = ProcessHandle.of(t.pid()).orElseThrow();
        // close() would wait its 2 s grace for an exit on EOF first; abort() must not
        assertTimeoutPreemptively(Duration.ofMillis(1500), t::abort, "abort() waited for a polite exit");
        assertFalse(h.isAlive(), "the process survived abort()");
    }

    @Test
    void closeStillEndsAProcessThatIgnoresEof() throws IOException {
        ProcessTransport t = deafToEof();
        ProcessHandle h = ProcessHandle.of(t.pid()).orElseThrow();
        t.close();
        assertFalse(h.isAlive(), "the process survived close()");
        assertTrue(t.awaitExit(Duration.ZERO) != 0, "ended by a signal, not by itself");
    }
}
