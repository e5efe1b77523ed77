package dev.sshuttle.mux;

import java.util.ArrayDeque;
import java.util.function.Predicate;

/**
 * fq_codel's flow scheduling over channels: a channel that comes back after being quiet (a
 * "sparse" flow: an interactive request, a new connection) is served before the channels that
 * have been sending, and among those, deficit round robin by bytes with a 64 KiB quantum. So an
 * interactive channel waits for at most the frame on the wire, not for bulk; and bulk channels
 * share the link equally, whatever their frame sizes.
 *
 * <p>Whether a channel was quiet is the caller's call ({@link #ready(TcpChannel, boolean)}):
 * the mux counts a channel as sparse when its socket had been empty for a while, not when it
 * ran dry for a moment, because a bulk channel whose socket drains between two of the
 * application's writes must not come back as new, jump the queue and take the slack that the
 * in-flight bound keeps for interactive channels. fq_codel's own rule (a new flow that empties
 * joins the old flows) fails here: while the bound is full the old flows are never visited, so
 * an interactive channel parked there would wait for the bulk to let it through.
 */
final class SparseFlowScheduler implements Scheduler {
    static final int QUANTUM_BYTES = 64 * 1024;

    private final ArrayDeque<TcpChannel> newFlows = new ArrayDeque<>();
    private final ArrayDeque<TcpChannel> oldFlows = new ArrayDeque<>();

    @Override
    public void ready(TcpChannel c, boolean sparse) {
        if (c.scheduled) return;
        c.scheduled = true;
        if (sparse) {
            c.deficit = QUANTUM_BYTES;
            newFlows.add(c);
        } else {
            if (c.deficit <= 0) c.deficit += QUANTUM_BYTES;
            oldFlows.add(c); // a busy channel that ran dry for a moment: back in its place among the old flows
        }
    }

    @Override
    public TcpChannel next(Predicate<TcpChannel> canSend, boolean sparseOnly) {
        for (int guard = newFlows.size() + 2 * oldFlows.size() + 1; guard > 0; guard--) {
            boolean fromNew = !newFlows.isEmpty();
            if (!fromNew && sparseOnly) return null;
            ArrayDeque<TcpChannel> queue = fromNew ? newFlows : oldFlows;
            TcpChannel c = queue.peek();
            if (c == null) return null;
            if (!canSend.test(c)) {
                queue.poll();
                c.scheduled = false; // back in line through ready()
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
