package dev.sshuttle.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The set-up deadline fires once when nothing disarms it, never after a disarm, never with zero. */
class SetupDeadlineTest {
    @Test
    void firesOnceWhenTheSetUpTakesTooLong() {
        AtomicInteger fired = new AtomicInteger();
        SetupDeadline d = SetupDeadline.arm(Duration.ofMillis(50), fired::incrementAndGet);
        await().atMost(Duration.ofSeconds(5)).until(d::expired);
        assertEquals(1, fired.get());
        d.disarm(); // too late: it stays expired, and fires no second time
        assertTrue(d.expired());
        assertEquals(1, fired.get());
    }

    @Test
    void aDisarmedDeadlineNeverFires() {
        AtomicInteger fired = new AtomicInteger();
        SetupDeadline d = SetupDeadline.arm(Duration.ofMillis(200), fired::incrementAndGet);
        d.disarm();
        waitPast(Duration.ofMillis(400));
        assertFalse(d.expired());
        assertEquals(0, fired.get());
    }

    @Test
    void zeroMeansNoBound() {
        AtomicInteger fired = new AtomicInteger();
        SetupDeadline d = SetupDeadline.arm(Duration.ZERO, fired::incrementAndGet);
        waitPast(Duration.ofMillis(100));
        assertFalse(d.expired());
        assertEquals(0, fired.get());
    }

    /** Until a deadline armed now for {@code d} has fired: any armed before it for less is past too. */
    private static void waitPast(Duration d) {
        SetupDeadline later = SetupDeadline.arm(d, () -> { });
        await().atMost(Duration.ofSeconds(5)).until(later::expired);
    }

    @Test
    void reconnectsAreAlwaysBounded() {
        assertTrue(SetupDeadline.applies(true));
        // a test run has no controlling terminal, like a service: bounded from the first session
        assertEquals(!SetupDeadline.hasControllingTerminal(), SetupDeadline.applies(false));
    }
}
