package dev.sshuttle.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** Tasks handed to the loop before it closes still run: a session's last abortAll depends on it. */
class EventLoopTest {
    private static final Duration WITHIN = Duration.ofSeconds(10);

    @Test
    void aTaskQueuedJustBeforeCloseFromInsideTheLoopStillRuns() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        try (EventLoop loop = new EventLoop("test-loop", t -> { })) {
            loop.start();
            // queued behind the running task, then the loop is told to stop: the lost-session
            // path (abortAll queued, then close) in its most deterministic form
            loop.execute(() -> {
                loop.execute(ran::countDown);
                loop.close();
            });
            assertTrue(ran.await(WITHIN.toSeconds(), TimeUnit.SECONDS), "the task queued before close() was dropped");
        }
    }

    @Test
    void closeFromAnotherThreadReturnsOnlyAfterTheQueuedTasksRan() throws IOException {
        AtomicInteger ran = new AtomicInteger();
        EventLoop loop = new EventLoop("test-loop", t -> { });
        loop.start();
        for (int i = 0; i < 100; i++) loop.execute(ran::incrementAndGet);
        loop.close();
        assertEquals(100, ran.get(), "tasks queued before close() that never ran");
    }

    @Test
    void aTaskQueuedAfterACrashStillRunsAtClose() throws Exception {
        CountDownLatch crashed = new CountDownLatch(1);
        AtomicBoolean ran = new AtomicBoolean();
        EventLoop loop = new EventLoop("test-loop", t -> crashed.countDown());
        loop.start();
        loop.execute(() -> {
            throw new IllegalStateException("a bug in a handler");
        });
        assertTrue(crashed.await(WITHIN.toSeconds(), TimeUnit.SECONDS), "the crash handler was not called");
        // the session's abortAll after the crash: run by the dying loop thread or, once it is
        // gone, by close() itself
        loop.execute(() -> ran.set(true));
        loop.close();
        assertTrue(ran.get(), "the task queued after the crash did not run at close()");
    }

    @Test
    void aTaskThatRequeuesItselfForeverDoesNotHoldUpClose() throws IOException {
        EventLoop loop = new EventLoop("test-loop", t -> { });
        AtomicInteger runs = new AtomicInteger();
        Runnable[] forever = new Runnable[1];
        forever[0] = () -> {
            runs.incrementAndGet();
            loop.execute(forever[0]);
        };
        loop.start();
        loop.execute(forever[0]);
        assertTimeoutPreemptively(WITHIN, loop::close, "close() must not chase tasks queued while closing");
        assertTrue(runs.get() > 0);
    }
}
