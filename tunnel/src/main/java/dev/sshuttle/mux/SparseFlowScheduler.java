package dev.sshuttle.mux;

import java.util.ArrayDeque;
import java.util.function.Predicate;

/**
 * fq_codel's flow scheduling over channels: a channel that just became active (a "sparse"
 * flow: an interactive request, a new connection) is served before the channels that have been
 * sending, and among those, deficit round robin by bytes with a 64 KiB quantum. So an
 * interactive channel waits for at most the frame on the wire, not for bulk; and bulk channels
 * share the link equally, whatever their frame sizes.
 */
final class SparseFlowScheduler implements Scheduler {
    static final int QUANTUM_BYTES = 64 * 1024;

    private final ArrayDeque<TcpChannel> newFlows = new ArrayDeque<>();
    private final ArrayDeque<TcpChannel> oldFlows = new ArrayDeque<>();

    @Override
    public void ready(TcpChannel c) {
        if (c.scheduled) return;
        c.scheduled = true;
        c.deficit = QUANTUM_BYTES;
        newFlows.add(c);
    }

    private long decisions; // next() calls so far: when a channel joined the old flows

    @Override
    public TcpChannel next(Predicate<TcpChannel> canSend, boolean sparseOnly) {
        decisions++;
        for (int guard = 3 * (newFlows.size() + oldFlows.size()) + 1; guard > 0; guard--) {
            boolean fromNew = !newFlows.isEmpty();
            if (!fromNew && sparseOnly) return null;
            ArrayDeque<TcpChannel> queue = fromNew ? newFlows : oldFlows;
            TcpChannel c = queue.peek();
            if (c == null) return null;
            if (!canSend.test(c)) {
                queue.poll();
                if (fromNew || c.joinedOldAt == decisions) {
                    // as fq_codel: a new flow that runs dry joins the old flows, still in line,
                    // so a bulk channel whose socket drains for a moment cannot come back as
                    // "new" and take the interactive channels' place (and their slack); it
                    // leaves only when found idle again by a later decision
                    if (fromNew) c.joinedOldAt = decisions;
                    oldFlows.add(c);
                } else {
                    c.scheduled = false; // still idle: back in line through ready(), as a new flow
                }
                continue;
            }
            if (c.deficit <= 0) {
                // used its quantum: to the back of the old flows, with a fresh one
                queue.poll();
                c.deficit += QUANTUM_BYTES;
                oldFlows.add(c);
                continue;
            }
            return c;
        }
        return null;
    }

    @Override
    public void sent(TcpChannel c, int bytes) {
        c.deficit -= bytes;
    }

    @Override
    public boolean isEmpty() {
        return newFlows.isEmpty() && oldFlows.isEmpty();
    }
}
