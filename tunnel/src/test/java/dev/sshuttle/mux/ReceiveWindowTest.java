package dev.sshuttle.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** One channel's receive window alone: grants and growth. */
class ReceiveWindowTest {
    private static final long W = MuxConfig.INITIAL_WINDOW;
    private final ReceiveWindow window = new ReceiveWindow(W, MuxConfig.MAX_WINDOW);

    @Test
    void grantsOnceAQuarterIsOwed() {
        assertTrue(window.receive(W));
        assertEquals(0, window.peerCredit());
        assertFalse(window.receive(1), "past the credit");
        assertFalse(window.consume(W / 4 - 1, false));
        assertTrue(window.consume(1, false));
        assertEquals(W / 4, window.takeGrant());
        assertEquals(W / 4, window.peerCredit());
    }

    @Test
    void aDrainedBacklogGivesBackWhatIsOwed() {
        window.receive(1000);
        assertTrue(window.consume(1000, true), "the backlog is written: owed credit goes back at once");
        assertEquals(1000, window.takeGrant());
    }

    @Test
    void growsWhenTheSenderIsBlockedAndTheReaderKeepsUp() {
        window.receive(W);
        window.consume(W, false);
        window.takeGrant();
        assertTrue(window.senderBlocked());
        assertEquals(2 * W, window.window());
        assertEquals(W, window.takeGrant(), "the growth is granted at once");
        window.senderBlocked();
        assertEquals(2 * W, window.window(), "no second doubling before half a window more is consumed");
        window.receive(W);
        window.consume(W, false);
        window.senderBlocked();
        assertEquals(4 * W, window.window(), "after half a window (and more), the next blocked signal doubles it");
    }

    @Test
    void aSlowReadersWindowDoesNotGrow() {
        window.receive(W);
        window.consume(W / 2, false); // half of it still waits for the socket
        window.senderBlocked();
        assertEquals(W, window.window());
        assertEquals(W / 2, window.unconsumed());
    }

    @Test
    void stopsAtTheMaximum() {
        for (int i = 0; i < 20; i++) {
            window.receive(window.peerCredit());
            window.consume(window.unconsumed(), false);
            window.senderBlocked();
            window.takeGrant();
        }
        assertEquals(MuxConfig.MAX_WINDOW, window.window());
    }
}
