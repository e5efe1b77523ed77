package dev.sshuttle.sim.fuzz;

import dev.sshuttle.io.Bridges;
import dev.sshuttle.io.LocalSocket;
import dev.sshuttle.io.MuxDriver;
import dev.sshuttle.io.Readiness;
import dev.sshuttle.io.StreamEnd;
import dev.sshuttle.io.Timers;
import dev.sshuttle.mux.Command;
import dev.sshuttle.mux.Frame;
import dev.sshuttle.mux.FrameEncoder;
import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.mux.ProtocolException;
import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.mux.TcpTarget;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Plays a hostile session against the production client stack (the {@link Mux}, its
 * {@link MuxDriver} and the {@link Bridges} to local sockets) in virtual time, the event loop
 * modelled as rounds of level-triggered readiness, and checks after every round:
 * <ul>
 * <li>nothing but a {@link ProtocolException} comes out of the client (no other exception);
 * <li>memory stays within protocol.md's limits: the control frames queued, the bytes held for
 *     local sockets, and in 0002 each channel's unread bytes within its window;
 * <li>and at the end, unless a protocol error ended the session: once the server goes quiet
 *     and reads our output and the applications read, the client drains, reads its input
 *     again, and a new connection's TCP_CONNECT goes out (it carries on, as the spec says).
 * </ul>
 */
public final class MuxFuzzHarness {
    private static final int FRAME = Frame.HEADER_BYTES + Frame.MAX_PAYLOAD;
    /** 1 MiB of control frames pauses input; one input buffer (1 MiB) may be decoded past it. */
    static final long CONTROL_BOUND = (2L << 20) + FRAME;
    static final long PENDING_BOUND_V1 = (16L << 20) + (1L << 20) + FRAME;
    static final long PENDING_BOUND_V2 = (64L << 20) + (1L << 20) + FRAME;
    private static final int ROUNDS_PER_STEP_MAX = 512;
    private static final int STALLED_ROUNDS = 8;
    private static final int RECOVERY_ROUNDS = 400;
    private static final long ROUND_NANOS = 1_000_000L;

    private final ProtocolVersion version;
    private final ManualTimers timers = new ManualTimers();
    private final HostileServer server = new HostileServer();
    private final List<FuzzApp> apps = new ArrayList<>();
    private final List<Integer> opened = new ArrayList<>();
    private final List<Integer> dns = new ArrayList<>();
    private final Bridges bridges = new Bridges(timers, null, message -> { });
    private final Mux mux;
    private final MuxDriver driver;
    private String protocolError;
    private String violation;
    private long peakPending;
    private long peakControl;

    private MuxFuzzHarness(ProtocolVersion version) {
        this.version = version;
        MuxConfig config = MuxConfig.defaults().withKeepalive(Duration.ofSeconds(5), Duration.ofSeconds(15));
        mux = new Mux(Mux.Role.CLIENT, version, config, bridges, 0);
        bridges.attach(mux);
        driver = new MuxDriver(timers, server, bridges, new MuxDriver.Events() {
            public void onTransportClosed(String why) {
                violation("crash", "the driver saw its transport close, which never closes here: " + why);
            }

            public void onProtocolError(ProtocolException e) {
                protocolError = e.getMessage();
                if (protocolError == null || protocolError.isBlank()) violation("crash", "a protocol error without a message");
            }
        });
        driver.start(mux, null);
    }

    public static FuzzOutcome run(ProtocolVersion version, List<HostileStep> steps) {
        return new MuxFuzzHarness(version).play(steps);
    }

    private FuzzOutcome play(List<HostileStep> steps) {
        int run = 0;
        try {
            for (HostileStep step : steps) {
                if (protocolError != null || violation != null) break;
                run++;
                perform(step);
            }
            if (protocolError == null && violation == null) recover();
        } catch (RuntimeException | StackOverflowError | AssertionError e) {
            StackTraceElement at = e.getStackTrace().length > 0 ? e.getStackTrace()[0] : null;
            violation("crash", e + (at == null ? "" : " at " + at));
        }
        return new FuzzOutcome(steps, violation, protocolError, run, peakPending, peakControl, server.delivered);
    }

    private void perform(HostileStep step) {
        switch (step) {
            case HostileStep.Send s -> {
                server.inbox.add(new Burst(FrameEncoder.encode(new Frame(channel(s.target()), s.command(), s.payload())),
                        s.repeat(), s.splits()));
                int stalled = 0;
                for (int i = 0; i < ROUNDS_PER_STEP_MAX && !server.inbox.isEmpty() && stalled < STALLED_ROUNDS && !over(); i++) {
                    long before = server.delivered;
                    round(ROUND_NANOS);
                    stalled = server.delivered == before ? stalled + 1 : 0;
                }
            }
            case HostileStep.Open o -> {
                int ch = mux.openTcp(new TcpTarget(false, "10.0.0.1", 80));
                if (ch < 0) return;
                FuzzApp app = new FuzzApp(o.upstreamBytes(), o.closes());
                apps.add(app);
                opened.add(ch);
                bridges.bridgeAccepted(ch, app);
                rounds(2);
            }
            case HostileStep.OpenDns d -> {
                int ch = mux.openDns(new byte[] {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0});
                if (ch >= 0) dns.add(ch);
                rounds(1);
            }
            case HostileStep.AppReads a -> {
                if (apps.isEmpty()) return;
                FuzzApp app = apps.get(a.app() % apps.size());
                app.budget = a.bytes() == Integer.MAX_VALUE ? Long.MAX_VALUE / 2 : app.budget + a.bytes();
                rounds(4);
            }
            case HostileStep.PeerReads p -> {
                server.peerReads = p.reads();
                rounds(2);
            }
            case HostileStep.Wait w -> {
                for (long left = w.millis(); left > 0 && !over(); left -= 100) round(Math.min(left, 100) * 1_000_000L);
            }
        }
    }

    private int channel(HostileStep.Target t) {
        return switch (t.kind()) {
            case CONTROL -> 0;
            case OPENED -> opened.isEmpty() ? 1 : opened.get(t.index() % opened.size());
            case DNS -> dns.isEmpty() ? 2 : dns.get(t.index() % dns.size());
            case NEVER_OPENED -> Frame.MAX_CHANNEL - t.index(); // the client numbers from 1 upwards
        };
    }

    /** The server goes quiet and reads everything, the applications read everything: the client must get back to normal. */
    private void recover() {
        server.inbox.clear();
        server.peerReads = true;
        for (FuzzApp app : apps) app.budget = Long.MAX_VALUE / 2;
        boolean drained = false;
        for (int i = 0; i < RECOVERY_ROUNDS && !over() && !drained; i++) {
            round(10 * ROUND_NANOS);
            drained = bridges.pendingBytes() == 0 && mux.queuedControlBytes() == 0 && server.readInterest;
        }
        if (over()) return;
        if (!drained) {
            violation("liveness", "after " + RECOVERY_ROUNDS + " rounds with a quiet server that reads and applications"
                    + " that read: " + bridges.pendingBytes() + " bytes still held for local sockets, "
                    + mux.queuedControlBytes() + " control bytes unsent, reading input: " + server.readInterest);
            return;
        }
        int ch = mux.openTcp(new TcpTarget(false, "10.0.0.2", 443));
        if (ch < 0) return; // every channel in use: nothing to show
        bridges.bridgeAccepted(ch, new FuzzApp(0, false));
        long connects = server.connectsWritten;
        rounds(20);
        if (!over() && server.connectsWritten == connects) {
            violation("liveness", "a new connection's TCP_CONNECT was not written within 20 rounds");
        }
    }

    private void rounds(int n) {
        for (int i = 0; i < n && !over(); i++) round(ROUND_NANOS);
    }

    private boolean over() {
        return protocolError != null || violation != null;
    }

    /** One turn of the event loop: due timers, readiness while the interest is on, the flush hook, the tick. */
    private void round(long advanceNanos) {
        timers.advance(advanceNanos);
        if (server.readInterest && !server.inbox.isEmpty()) driver.onReadable();
        for (int i = 0; i < apps.size() && !over(); i++) {
            FuzzApp app = apps.get(i);
            if (app.closed || app.events == null) continue;
            if (app.readInterest && app.hasInput()) app.events.onReadable();
            if (app.writeInterest && app.budget > 0 && !app.closed) app.events.onWritable();
        }
        if (!over()) driver.flush();
        if (!over() && server.writeInterest && server.peerReads) driver.onWritable();
        if (!over()) mux.tick(timers.now);
        check();
    }

    private void check() {
        if (violation != null) return;
        peakPending = Math.max(peakPending, bridges.pendingBytes());
        peakControl = Math.max(peakControl, mux.queuedControlBytes());
        long pendingBound = version == ProtocolVersion.V1 ? PENDING_BOUND_V1 : PENDING_BOUND_V2;
        if (bridges.pendingBytes() > pendingBound) {
            violation("memory", bridges.pendingBytes() + " bytes held for local sockets, past " + pendingBound);
        } else if (mux.queuedControlBytes() > CONTROL_BOUND) {
            violation("memory", mux.queuedControlBytes() + " control bytes queued, past " + CONTROL_BOUND);
        } else if (version == ProtocolVersion.V2 && protocolError == null) {
            for (int ch : opened) {
                if (mux.unconsumedBytes(ch) > mux.receiveWindow(ch)) {
                    violation("memory", "channel " + ch + " holds " + mux.unconsumedBytes(ch) + " unread bytes, past its window of "
                            + mux.receiveWindow(ch));
                    return;
                }
            }
        }
    }

    private void violation(String kind, String detail) {
        if (violation == null) violation = kind + ": " + detail;
    }

    // ------------------------------------------------------------------ the fakes

    /** One frame, {@code copies} times, each in {@code splits} reads. */
    private static final class Burst {
        final byte[] frame;
        int copies;
        final int splits;
        int offset;

        Burst(byte[] frame, int copies, int splits) {
            this.frame = frame;
            this.copies = copies;
            this.splits = splits;
        }

        int pieceEnd() {
            for (int k = 1; k <= splits; k++) {
                int end = (int) ((long) frame.length * k / splits);
                if (end > offset) return end;
            }
            return frame.length;
        }
    }

    /** The hostile server's end of the transport: its frames in, our output out (read, or left unread). */
    private static final class HostileServer implements StreamEnd {
        final ArrayDeque<Burst> inbox = new ArrayDeque<>();
        boolean peerReads = true;
        boolean readInterest;
        boolean writeInterest;
        long delivered;
        long connectsWritten;
        private final ByteBuffer header = ByteBuffer.allocate(Frame.HEADER_BYTES);
        private int payloadLeft;

        public int read(ByteBuffer dst) {
            int n = 0;
            while (dst.hasRemaining() && !inbox.isEmpty()) {
                Burst b = inbox.peek();
                int end = b.splits == 1 ? b.frame.length : b.pieceEnd();
                int take = Math.min(dst.remaining(), end - b.offset);
                dst.put(b.frame, b.offset, take);
                b.offset += take;
                n += take;
                if (b.offset == b.frame.length) {
                    b.offset = 0;
                    if (--b.copies == 0) inbox.poll();
                }
                if (b.splits > 1) break; // a piece is a read of its own
            }
            delivered += n;
            return n;
        }

        /** Takes everything while the server reads, and counts the TCP_CONNECTs in it. */
        public int write(ByteBuffer src) {
            if (!peerReads) return 0;
            int n = src.remaining();
            while (src.hasRemaining()) {
                if (payloadLeft > 0) {
                    int skip = Math.min(payloadLeft, src.remaining());
                    src.position(src.position() + skip);
                    payloadLeft -= skip;
                    continue;
                }
                header.put(src.get());
                if (!header.hasRemaining()) {
                    if ((header.getShort(4) & 0xffff) == Command.TCP_CONNECT) connectsWritten++;
                    payloadLeft = header.getShort(6) & 0xffff;
                    header.clear();
                }
            }
            return n;
        }

        public void interest(boolean read, boolean write) {
            readInterest = read;
            writeInterest = write;
        }

        public void start(Readiness events) { }

        public void awaitWritable(long timeoutMillis) { }
    }

    /** A local application: has some bytes to send (then maybe EOF), reads what its budget allows. */
    private static final class FuzzApp implements LocalSocket {
        long upstream;
        final boolean closes;
        boolean eofRead;
        long budget;
        Readiness events;
        boolean readInterest;
        boolean writeInterest;
        boolean closed;

        FuzzApp(long upstream, boolean closes) {
            this.upstream = upstream;
            this.closes = closes;
        }

        boolean hasInput() {
            return upstream > 0 || closes && !eofRead;
        }

        public int read(ByteBuffer dst) {
            if (upstream > 0) {
                int n = (int) Math.min(upstream, dst.remaining());
                dst.position(dst.position() + n);
                upstream -= n;
                return n;
            }
            if (closes) {
                eofRead = true;
                return -1;
            }
            return 0;
        }

        public int write(ByteBuffer src) {
            int n = (int) Math.min(src.remaining(), budget);
            src.position(src.position() + n);
            budget -= n;
            return n;
        }

        public void interest(boolean read, boolean write) {
            readInterest = read;
            writeInterest = write;
        }

        public void start(Readiness events) {
            this.events = events;
        }

        public void shutdownOutput() { }

        public void shutdownInput() { }

        public void close(boolean reset) {
            closed = true;
        }
    }

    private static final class ManualTimers implements Timers {
        long now;
        private final PriorityQueue<Timer> due = new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));

        record Timer(long at, Runnable task) {}

        public long nanos() {
            return now;
        }

        public void scheduleAt(long deadlineNanos, Runnable task) {
            due.add(new Timer(deadlineNanos, task));
        }

        void advance(long nanos) {
            now += nanos;
            for (Timer t; (t = due.peek()) != null && t.at <= now; ) {
                due.poll();
                t.task().run();
            }
        }
    }
}
