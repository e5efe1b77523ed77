package dev.sshuttle.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * One thread, one selector: owns the mux and every local socket, so none of them needs a
 * lock. Other threads hand work in with {@link #execute}. Timers run on the loop too.
 */
public final class EventLoop implements AutoCloseable, Timers {
    /** Reacts to readiness of a registered channel. */
    public interface Handler {
        void ready(SelectionKey key) throws IOException;
    }

    private record Timer(long deadlineNanos, long seq, Runnable task) implements Comparable<Timer> {
        public int compareTo(Timer o) {
            int c = Long.compare(deadlineNanos, o.deadlineNanos);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final Selector selector;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final Thread thread;
    private final Consumer<Throwable> crashHandler;
    private long timerSeq;
    private Runnable iterationHook = () -> {};
    private final java.util.function.Consumer<SelectionKey> dispatch = this::dispatch;
    private IOException failure;
    private volatile boolean running = true;

    public EventLoop(String name, Consumer<Throwable> crashHandler) throws IOException {
        this.selector = Selector.open();
        this.crashHandler = crashHandler;
        this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs the task on the loop thread (later, even when called from it). */
    public void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** Runs the task on the loop thread at (or after) the given System.nanoTime() deadline. */
    @Override
    public void scheduleAt(long deadlineNanos, Runnable task) {
        if (inLoop()) {
            timers.add(new Timer(deadlineNanos, timerSeq++, task));
        } else {
            execute(() -> scheduleAt(deadlineNanos, task));
        }
    }

    /** Registers a channel with the loop's selector. Must be called on the loop thread. */
    public SelectionKey register(SelectableChannel channel, int ops, Handler handler) {
        try {
            channel.configureBlocking(false);
            return channel.register(selector, ops, handler);
        } catch (ClosedChannelException e) {
            throw new IllegalStateException("channel closed before registration", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs after every round of tasks, timers and socket events: where buffered output is flushed. */
    public void setIterationHook(Runnable hook) {
        this.iterationHook = hook;
    }

    public static long now() {
        return System.nanoTime();
    }

    @Override
    public long nanos() {
        return System.nanoTime();
    }

    private void run() {
        try {
            while (running) {
                runTasks();
                long timeoutMs = runTimers();
                iterationHook.run();
                if (!running) break;
                if (!tasks.isEmpty()) timeoutMs = -1;
                // the action form of select: no selected-key set to fill and empty (a HashSet
                // node per ready key per round, the loop's only garbage in steady state)
                if (timeoutMs < 0) {
                    selector.selectNow(dispatch);
                } else {
                    selector.select(dispatch, timeoutMs);
                }
                if (failure != null) throw failure;
                iterationHook.run();
            }
        } catch (Throwable t) {
            if (running) crashHandler.accept(t);
        } finally {
            runTasksQueuedBeforeClose();
            closeSelector();
        }
    }

    /**
     * Tasks handed in before close() still run, once: a session's last task (abortAll, which
     * resets every local connection) is queued just before the loop closes, and dropping it left
     * those connections hanging. Bounded: tasks queued by these tasks are not run.
     */
    private void runTasksQueuedBeforeClose() {
        runQueuedTasks(true);
    }

    private void runTasks() {
        runQueuedTasks(false);
    }

    /** Runs the tasks queued now, not those they queue. Closing: a failing task must not stop the others. */
    private void runQueuedTasks(boolean closing) {
        for (int i = 0, n = tasks.size(); i < n; i++) {
            Runnable r = tasks.poll();
            if (r == null) break;
            if (!closing) {
                r.run();
                continue;
            }
            try {
                r.run();
            } catch (RuntimeException e) {
                // closing: nothing to report to, and the next task still matters
            }
        }
    }

    /** Runs due timers; returns ms until the next one (0 = block without limit). */
    private long runTimers() {
        long now = System.nanoTime();
        Timer t;
        while ((t = timers.peek()) != null && t.deadlineNanos() <= now) {
            timers.poll();
            t.task().run();
        }
        if (t == null) return 0;
        return Math.max(1, (t.deadlineNanos() - now + 999_999) / 1_000_000);
    }

    private void dispatch(SelectionKey key) {
        if (failure != null || !key.isValid()) return;
        try {
            ((Handler) key.attachment()).ready(key);
        } catch (IOException e) {
            failure = e; // rethrown by run(): the loop's crash handler reports it
        }
    }

    /** Stops the loop after the tasks already handed in have run; waits (bounded) unless called on the loop. */
    @Override
    public void close() {
        running = false;
        selector.wakeup();
        if (inLoop()) return; // the loop drains its queue on the way out
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // The loop thread is gone (it crashed, or never started) but tasks came after it left:
        // nobody else touches the loop's state now, so run them here.
        if (!thread.isAlive()) {
            runTasksQueuedBeforeClose();
            closeSelector();
        }
    }

    private void closeSelector() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing: nothing to tell anyone
        }
    }
}
