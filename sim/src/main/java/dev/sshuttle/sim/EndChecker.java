package dev.sshuttle.sim;

import dev.sshuttle.mux.ConnectFailure;
import dev.sshuttle.mux.ProtocolVersion;
import java.util.Collection;

/**
 * The invariants checked once a clean scenario has ended: complete delivery and EOF for
 * streams nobody aborted, propagation of stop-sending and connect failures, and (0002) that a
 * stalled reader held up no other stream.
 */
final class EndChecker {
    private final Session session;

    EndChecker(Session session) {
        this.session = session;
    }

    void check(Collection<StreamRun> streams) {
        long firstStallEnd = Long.MAX_VALUE;
        for (StreamRun s : streams) {
            if (s.spec.stalls()) firstStallEnd = Math.min(firstStallEnd, s.startedNanos + stallNanos(s.spec));
        }
        LatencyBound bound = session.latencyBound();
        for (StreamRun s : streams) {
            checkStream(s);
            if (session.version() == ProtocolVersion.V2 && LatencyBound.applies(s.spec) && s.client != null) {
                checkLatency(s, bound);
            }
            if (session.version() == ProtocolVersion.V2 && !s.spec.stalls() && s.doneNanos > firstStallEnd
                    && s.spec.startNanos() < firstStallEnd) {
                session.violation("stall", "stream #" + s.spec.id() + " finished at " + s.doneNanos / 1_000_000
                        + " ms, after a stalled reader resumed at " + firstStallEnd / 1_000_000 + " ms");
            }
        }
    }

    /** Every round trip after the first (which includes the connect) stays within the derived bound. */
    private void checkLatency(StreamRun s, LatencyBound bound) {
        java.util.List<Long> rtts = s.client.roundTripsNanos;
        for (int i = 1; i < rtts.size(); i++) {
            session.latencyChecked(rtts.get(i), bound.nanos());
            if (rtts.get(i) > bound.nanos()) {
                fail(s, "latency", "round trip " + (i + 1) + " took " + rtts.get(i) / 1_000_000.0 + " ms, past the bound " + bound);
                return;
            }
        }
    }

    private static long stallNanos(StreamSpec spec) {
        return Math.max(stall(spec.clientReader()), stall(spec.serverReader()));
    }

    private static long stall(StreamSpec.Reader r) {
        return r.kind() == StreamSpec.Reader.Kind.STALLED ? r.stallNanos() : 0;
    }

    private void checkStream(StreamRun s) {
        ChannelEnd c = s.client;
        ChannelEnd v = s.server;
        if (s.noChannel) return;
        if (s.dns != null) {
            if (!s.dns.answered && !s.dns.abandoned) fail(s, "dns", "query neither answered nor abandoned");
            return;
        }
        if (s.spec.fault() == StreamSpec.Fault.REFUSED) {
            checkRefused(s, c);
            return;
        }
        if (v == null) {
            fail(s, "connect", "the server never saw the connect");
            return;
        }
        boolean reset = c.resetByMe || v.resetByMe || c.resetByPeer || v.resetByPeer;
        if (!reset) {
            checkDirection(s, c, v);
            checkDirection(s, v, c);
        }
        if (session.version() == ProtocolVersion.V2) {
            if (!c.connectedSeen && !reset) fail(s, "connect", "client never got TCP_CONNECTED");
            if (c.resetByMe && !v.resetByPeer && !v.done()) fail(s, "reset", "server did not see the reset");
            if (v.resetByMe && !c.resetByPeer && !c.done()) fail(s, "reset", "client did not see the reset");
        }
    }

    /** Bytes from {@code from}'s application to {@code to}'s: all of them, then EOF, unless reading stopped. */
    private void checkDirection(StreamRun s, ChannelEnd from, ChannelEnd to) {
        if (to.readClosed) {
            if (!from.peerStopped && !from.shutSent && !from.resetByPeer) {
                fail(s, "stop", from + " never learned that " + to + " stopped reading");
            }
            return;
        }
        if (from.writeTotal != from.side.writeTotal() && !from.readClosed && !from.appEof) {
            fail(s, "bytes", from + " cut its output short without cause");
        }
        if (!from.shutSent) {
            fail(s, "eof", from + " never shut down its output: " + from.state());
        } else if (!to.appEof || to.appRead != from.written || to.received != from.written) {
            fail(s, "eof", to + " read " + to.appRead + " of " + from.written + " bytes, eof=" + to.appEof);
        }
    }

    private void checkRefused(StreamRun s, ChannelEnd c) {
        if (session.version() == ProtocolVersion.V2) {
            if (!c.refused || c.failure != ConnectFailure.REFUSED) fail(s, "refused", "client saw " + c.state() + " failure=" + c.failure);
        } else if (!c.appEof || c.appRead != 0 || !(c.peerStopped || c.shutSent)) {
            fail(s, "refused", "classic refusal must look like EOF + stop-sending, client saw " + c.state());
        }
    }

    private void fail(StreamRun s, String kind, String message) {
        session.violation(kind, "stream #" + s.spec.id() + ": " + message);
    }
}
