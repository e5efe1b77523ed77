package dev.sshuttle.io;

/** The driver's clock and timers: the event loop's in production, virtual time under simulation. */
public interface Timers {
    long nanos();

    /** Runs the task on the loop at (or after) the deadline. */
    void scheduleAt(long deadlineNanos, Runnable task);
}
