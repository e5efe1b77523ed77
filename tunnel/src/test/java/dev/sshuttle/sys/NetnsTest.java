package dev.sshuttle.sys;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetnsTest {

    @Test
    void refusesNamesThatAreNotPlainNames() {
        assertThrows(IllegalArgumentException.class, () -> Netns.enter("../etc"));
        assertThrows(IllegalArgumentException.class, () -> Netns.enter(""));
    }

    @Test
    void refusesVirtualThreads() throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread.ofVirtual().start(() -> {
            try {
                Netns.enter("sshj-fw-never");
            } catch (Throwable t) {
                failure.set(t);
            }
        }).join();
        assertInstanceOf(IllegalStateException.class, failure.get());
    }

    @Test
    void missingNamespaceNamesTheErrno() {
        NativeIOException e = assertThrows(NativeIOException.class,
                () -> Netns.call("sshj-fw-does-not-exist", () -> "unreachable"));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("/run/netns/sshj-fw-does-not-exist") && e.getMessage().contains("ENOENT (2)"),
                e.getMessage());
    }
}
