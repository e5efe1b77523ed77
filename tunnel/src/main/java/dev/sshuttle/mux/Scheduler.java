package dev.sshuttle.mux;

import java.util.function.Predicate;

/**
 * Decides which channel's bytes go out next (Netty's StreamByteDistributor is the model): the
 * mux says which channels have something to send and how much each sent; the scheduler picks.
 */
interface Scheduler {
    /**
     * The channel has something to send (again). Idempotent. {@code sparse}: it had been quiet
     * (an interactive channel coming back, a new one), so it goes before the channels that have
     * been sending and may use the in-flight slack.
     */
    void ready(TcpChannel c, boolean sparse);

    /**
     * The channel to serve next among those that {@code canSend}; channels that cannot send are
     * dropped until they are ready again. {@code sparseOnly}: only a channel that has been
     * quiet (an interactive one), for when the transport is full for bulk. Null when none.
     */
    TcpChannel next(Predicate<TcpChannel> canSend, boolean sparseOnly);

    /** {@code c} (the channel next() returned) sent {@code bytes}. */
    void sent(TcpChannel c, int bytes);

    /** True when some channel may be waiting to send (it may turn out to be blocked). */
    boolean isEmpty();
}
