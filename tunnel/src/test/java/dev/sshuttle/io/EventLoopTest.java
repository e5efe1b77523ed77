package dev.sshuttle.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventLoopTest {
    @Test
    void aTaskHandedInBeforeCloseStillRuns() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        EventLoop loop = new EventLoop("test-loop", Throwable::printStackTrace);
        loop.start();
        // on the loop thread, so the order is exact: the task is queued, then the loop is closed
        // in the same round (the session's "reset every local connection" then close())
        loop.execute(() -> {
            loop.execute(ran::countDown);
            loop.close();
            closed.countDown();
        });
        assertTrue(closed.await(5, TimeUnit.SECONDS), "the closing task ran");
        assertTrue(ran.await(5, TimeUnit.SECONDS), "a task queued before close() was dropped");
    }
}
