package dev.sshuttle.sim;

import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Virtual clock and event queue. Deterministic: events at the same instant run in the order
 * they were scheduled, and all randomness comes from one seeded {@link SplittableRandom}.
 * No threads: {@link #step()} runs one event on the caller's thread.
 */
public final class Simulation {
    private record Event(long atNanos, long seq, Runnable action) {}

    private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) -> a.atNanos != b.atNanos
            ? Long.compare(a.atNanos, b.atNanos) : Long.compare(a.seq, b.seq));
    private final SplittableRandom random;
    private long nowNanos;
    private long seq;
    private long eventsRun;

    public Simulation(long seed) {
        this.random = new SplittableRandom(seed);
    }

    public long now() {
        return nowNanos;
    }

    public SplittableRandom random() {
        return random;
    }

    /** Runs {@code action} at {@code atNanos} (or now, if that is in the past). */
    public void at(long atNanos, Runnable action) {
        queue.add(new Event(Math.max(atNanos, nowNanos), seq++, action));
    }

    public void after(long delayNanos, Runnable action) {
        at(nowNanos + Math.max(0, delayNanos), action);
    }

    public boolean idle() {
        return queue.isEmpty();
    }

    /** When the next event runs; Long.MAX_VALUE when none is queued. */
    public long nextEventNanos() {
        Event e = queue.peek();
        return e == null ? Long.MAX_VALUE : e.atNanos;
    }

    /** Runs the next event, advancing the clock to it. Returns false when the queue is empty. */
    public boolean step() {
        Event e = queue.poll();
        if (e == null) return false;
        nowNanos = e.atNanos;
        eventsRun++;
        e.action.run();
        return true;
    }

    public long eventsRun() {
        return eventsRun;
    }
}
