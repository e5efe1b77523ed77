package dev.sshuttle.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

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
    void aNewFlowGoesFirstForOneQuantumThenTakesTurns() {
        TcpChannel bulk = channel(1);
        scheduler.ready(bulk);
        assertSame(bulk, next(false));
        scheduler.sent(bulk, SparseFlowScheduler.QUANTUM_BYTES); // used its quantum: now an old flow
        TcpChannel chat = channel(2);
        scheduler.ready(chat);
        assertSame(chat, next(false), "the newcomer goes before the flow that has been sending");
        scheduler.sent(chat, 64);
        assertSame(chat, next(false), "and keeps its turn while it has quantum left");
        scheduler.sent(chat, SparseFlowScheduler.QUANTUM_BYTES);
        assertSame(bulk, next(false), "then the old flow's turn");
        scheduler.sent(bulk, SparseFlowScheduler.QUANTUM_BYTES);
        assertSame(chat, next(false), "round robin among old flows");
    }

    @Test
    void onlyNewFlowsWhenTheTransportIsFull() {
        TcpChannel bulk = channel(1);
        scheduler.ready(bulk);
        next(false);
        scheduler.sent(bulk, SparseFlowScheduler.QUANTUM_BYTES);
        next(false); // rotates it to the old flows
        assertNull(next(true), "an old flow may not use the sparse slack");
        TcpChannel chat = channel(2);
        scheduler.ready(chat);
        assertSame(chat, next(true), "a quiet channel may");
    }

    @Test
    void aNewFlowThatRunsDryStaysInLineAsAnOldOne() {
        TcpChannel bulk = channel(1);
        scheduler.ready(bulk);
        assertSame(bulk, next(false));
        scheduler.sent(bulk, 1000);
        sendable.remove(bulk); // its socket drained
        assertNull(next(false));
        sendable.add(bulk);    // refilled
        scheduler.ready(bulk); // still in line: not new again
        assertNull(next(true), "a flow that ran dry for a moment must not come back as new");
        assertSame(bulk, next(false), "it is served as an old flow");
    }

    @Test
    void anOldFlowIdleForARoundLeavesTheLinesAndComesBackNew() {
        TcpChannel chat = channel(1);
        scheduler.ready(chat);
        next(false);
        scheduler.sent(chat, 64);
        sendable.remove(chat);
        assertNull(next(false)); // moved to the old flows
        assertNull(next(false)); // visited there while idle: leaves
        assertEquals(true, scheduler.isEmpty());
        sendable.add(chat);
        scheduler.ready(chat);
        assertSame(chat, next(true), "after a quiet round it is new again");
    }
}
