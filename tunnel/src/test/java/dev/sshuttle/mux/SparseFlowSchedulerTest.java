package dev.sshuttle.mux;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The fair scheduler alone: which channel sends next. */
class SparseFlowSchedulerTest {
    private final SparseFlowScheduler scheduler = new SparseFlowScheduler();
    private final Set<TcpChannel> sendable = new HashSet<>();

    private TcpChannel channel(int id) {
        TcpChannel c = new TcpChannel(id, MuxConfig.defaults());
        sendable.add(c);
        return c;
    }

    private TcpChannel next(boolean sparseOnly) {
        return scheduler.next(sendable::contains, sparseOnly);
    }

    @Test
    void aSparseFlowGoesFirstForOneQuantumThenTakesTurns() {
        TcpChannel bulk = channel(1);
        scheduler.ready(bulk, true);
        assertSame(bulk, next(false));
        scheduler.sent(bulk, SparseFlowScheduler.QUANTUM_BYTES); // used its quantum: now an old flow
        TcpChannel chat = channel(2);
        scheduler.ready(chat, true);
        assertSame(chat, next(false), "the newcomer goes before the flow that has been sending");
        scheduler.sent(chat, 64);
        assertSame(chat, next(false), "and keeps its turn while it has quantum left");
        scheduler.sent(chat, SparseFlowScheduler.QUANTUM_BYTES);
        assertSame(bulk, next(false), "then the old flow's turn");
        scheduler.sent(bulk, SparseFlowScheduler.QUANTUM_BYTES);
        assertSame(chat, next(false), "round robin among old flows");
    }

    @Test
    void onlySparseFlowsWhenTheTransportIsFull() {
        TcpChannel bulk = channel(1);
        scheduler.ready(bulk, true);
        next(false);
        scheduler.sent(bulk, SparseFlowScheduler.QUANTUM_BYTES);
        next(false); // rotates it to the old flows
        assertNull(next(true), "an old flow may not use the sparse slack");
        TcpChannel chat = channel(2);
        scheduler.ready(chat, true);
        assertSame(chat, next(true), "a quiet channel may");
    }

    @Test
    void aBusyFlowThatRanDryComesBackAmongTheOldFlows() {
        TcpChannel bulk = channel(1);
        scheduler.ready(bulk, true);
        assertSame(bulk, next(false));
        scheduler.sent(bulk, 1000);
        sendable.remove(bulk); // its socket drained between two writes of the application
        assertNull(next(false));
        assertTrue(scheduler.isEmpty());
        sendable.add(bulk);
        scheduler.ready(bulk, false); // not quiet long enough to count as sparse
        assertNull(next(true), "it must not come back as new and take the sparse slack");
        assertSame(bulk, next(false), "it is served as an old flow");
    }

    @Test
    void aQuietFlowComesBackNew() {
        TcpChannel bulk = channel(1);
        TcpChannel chat = channel(2);
        scheduler.ready(bulk, false);
        scheduler.ready(chat, true);
        assertSame(chat, next(true), "an interactive channel back from a pause goes first, even when the transport is full");
    }
}
