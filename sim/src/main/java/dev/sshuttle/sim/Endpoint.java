package dev.sshuttle.sim;

import dev.sshuttle.io.Bridges;
import dev.sshuttle.io.ConnectOutcome;
import dev.sshuttle.io.Connector;
import dev.sshuttle.io.LocalSocket;
import dev.sshuttle.io.MuxDriver;
import dev.sshuttle.io.Timers;
import dev.sshuttle.mux.ConnectFailure;
import dev.sshuttle.mux.Frame;
import dev.sshuttle.mux.InFlightBound;
import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.mux.ProtocolException;
import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.mux.TcpTarget;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One side of the simulated tunnel running the production driver: a real {@link Mux}, the real
 * {@link MuxDriver} on a simulated transport ({@link SimStream} over a {@link LinkDirection}),
 * and the real bridges ({@link Bridges}, extended here only to watch what they are told) on
 * simulated sockets ({@link ChannelEnd}). The server side answers connects through a simulated
 * {@link Connector} after each stream's connect delay.
 */
final class Endpoint extends Bridges {
    /** Smaller than production's buffers, so a session's garbage stays small; the code is the same. */
    static final int DRIVER_IN_BYTES = 128 * 1024;
    /**
     * In-flight bytes the mux may exceed its bound by: bulk stops at the bound, a quiet channel
     * may use the sparse slack (its last pull may start just below the slack's end), and control
     * frames go out whatever the bound (a burst of connects, DNS queries, grants: 32 KiB).
     */
    static final long IN_FLIGHT_ALLOWANCE_BYTES = InFlightBound.SPARSE_SLACK_BYTES + Mux.SPARSE_PULL_BYTES
            + Frame.HEADER_BYTES + 32 * 1024;

    private final Session session;
    private final Mux mux;
    private final MuxDriver driver;
    private final java.util.List<SimStream> lanes = new java.util.ArrayList<>();
    private final boolean client;
    private final Map<Integer, ChannelEnd> ends = new HashMap<>();
    private final Map<Integer, DnsQuery> queries = new HashMap<>();
    private final Set<Integer> usedChannels = new HashSet<>();
    private long tickAtNanos = Long.MAX_VALUE;
    private int connectingChannel = -1;
    int reusedChannels; // client: connections that got a number an earlier connection had
    int warnings;
    int keepaliveTimeouts;
    long maxInFlightLimitBytes;
    long maxInFlightBytes;
    private boolean inFlightReported;

    Endpoint(Session session, Mux.Role role, ProtocolVersion version, MuxConfig config) {
        this(session, role, version, config, new SimTimers(session.sim), new SimConnector[1]);
    }

    private Endpoint(Session session, Mux.Role role, ProtocolVersion version, MuxConfig config, Timers timers,
                     SimConnector[] connector) {
        super(timers, role == Mux.Role.SERVER ? connector[0] = new SimConnector() : null, m -> { });
        this.session = session;
        this.client = role == Mux.Role.CLIENT;
        if (connector[0] != null) connector[0].owner = this;
        this.mux = new Mux(role, version, config, this, session.sim.now());
        attach(mux);
        for (int i = 0; i < session.scenario.laneCount(); i++) lanes.add(new SimStream(session.sim));
        // more than one lane: the production striped stream over them, as with --channels
        dev.sshuttle.io.StreamEnd stream = lanes.size() == 1 ? lanes.getFirst()
                : new dev.sshuttle.io.StripedStream(lanes, task -> session.sim.after(0, task));
        this.driver = new MuxDriver(timers, stream, this, new MuxDriver.Events() {
            public void onTransportClosed(String why) {
                session.violation("transport", (client ? "client" : "server") + ": " + why);
            }

            public void onProtocolError(ProtocolException e) {
                session.protocolError((client ? "client" : "server") + ": " + e.getMessage());
            }
        }, DRIVER_IN_BYTES);
    }

    /** Joins the transport: bytes out of lane i go to {@code outgoing[i]}; the peer's links deliver to {@link #lane}. */
    void connect(java.util.List<LinkDirection> outgoing) {
        for (int i = 0; i < lanes.size(); i++) lanes.get(i).connect(outgoing.get(i));
        driver.start(mux, null);
    }

    SimStream lane(int i) {
        return lanes.get(i);
    }

    @Override
    public Mux mux() {
        return mux;
    }

    Simulation sim() {
        return session.sim;
    }

    /** The end of a loop round: the driver flushes what the mux has (the production loop's iteration hook). */
    void pump() {
        if (session.dead()) return;
        driver.flush();
        long inFlight = mux.inFlightBytes();
        maxInFlightLimitBytes = Math.max(maxInFlightLimitBytes, mux.inFlightLimitBytes());
        maxInFlightBytes = Math.max(maxInFlightBytes, inFlight);
        if (mux.version() == ProtocolVersion.V2 && inFlight > maxInFlightLimitBytes + IN_FLIGHT_ALLOWANCE_BYTES && !inFlightReported) {
            inFlightReported = true; // once: the first time says it all
            session.violation("inflight", (client ? "client" : "server") + " has " + inFlight
                    + " bytes in the transport, past its bound " + maxInFlightLimitBytes);
        }
        long deadline = mux.nextDeadline();
        if (deadline < tickAtNanos) {
            tickAtNanos = deadline;
            session.sim.at(deadline, () -> {
                tickAtNanos = Long.MAX_VALUE;
                mux.tick(session.sim.now());
            });
        }
    }

    /** Client: the application connects (or asks DNS); its stream gets a channel. */
    void open(StreamRun run) {
        if (run.spec.mode() == StreamSpec.Mode.DNS) {
            run.dns = new DnsQuery(run);
            run.dns.start(this);
            return;
        }
        int ch = mux.openTcp(target(run.spec.id()));
        if (ch < 0) {
            // every channel number in use: the driver refuses the local connection
            run.noChannel = true;
            return;
        }
        if (!usedChannels.add(ch)) reusedChannels++;
        ChannelEnd end = new ChannelEnd(run, true, ch, session.sim);
        run.client = end;
        ends.put(ch, end);
        bridgeAccepted(ch, end);
        end.onSocketConnected();
    }

    static TcpTarget target(int streamId) {
        return new TcpTarget(false, "10." + (streamId >> 16 & 255) + "." + (streamId >> 8 & 255) + "." + (streamId & 255), 7000);
    }

    private static int streamId(TcpTarget target) {
        String[] octets = target.ip().split("\\.");
        if (target.ipv6() || octets.length != 4 || !octets[0].equals("10") || target.port() != 7000) return -1;
        return Integer.parseInt(octets[1]) << 16 | Integer.parseInt(octets[2]) << 8 | Integer.parseInt(octets[3]);
    }

    /** The agent's outbound connects: each reaches its stream's server application after the connect delay. */
    private static final class SimConnector implements Connector {
        Endpoint owner;

        @Override
        public LocalSocket connect(TcpTarget target, ConnectOutcome outcome) throws IOException {
            return owner.connectTo(target, outcome);
        }
    }

    private LocalSocket connectTo(TcpTarget target, ConnectOutcome outcome) throws IOException {
        int channel = connectingChannel;
        StreamRun run = session.stream(streamId(target));
        if (run == null || run.server != null) {
            // only a damaged stream can ask for this; the target is "unreachable"
            session.violation("connect", "connect to unknown or repeated target " + target + " on channel " + channel);
            throw new java.net.NoRouteToHostException("no such simulated target");
        }
        ChannelEnd end = new ChannelEnd(run, false, channel, session.sim);
        end.reportTo(outcome);
        run.server = end;
        ends.put(channel, end);
        session.sim.after(run.spec.connectDelayNanos(), () -> {
            if (end.closedByDriver) return;
            if (run.spec.fault() == StreamSpec.Fault.REFUSED) {
                end.refused = true;
                outcome.onConnectFailed(new ConnectException("Connection refused"));
            } else {
                outcome.onConnected();
                end.onSocketConnected();
            }
        });
        return end;
    }

    private ChannelEnd end(int channel, String what) {
        ChannelEnd end = ends.get(channel);
        if (end == null) session.violation("callback", what + " for channel " + channel + ", which this side does not know");
        return end;
    }

    // ------------------------------------------------------------ what the mux tells the bridges, watched

    @Override
    public void onTcpConnect(int channel, TcpTarget target) {
        connectingChannel = channel;
        super.onTcpConnect(channel, target);
    }

    @Override
    public void onConnected(int channel) {
        ChannelEnd e = end(channel, "onConnected");
        if (e != null) e.connectedSeen = true;
        super.onConnected(channel);
    }

    @Override
    public void onConnectFailed(int channel, ConnectFailure reason, String message) {
        ChannelEnd e = end(channel, "onConnectFailed");
        if (e != null) e.onConnectFailed(reason);
        super.onConnectFailed(channel, reason, message);
    }

    @Override
    public void onData(int channel, ByteBuffer data) {
        ChannelEnd e = end(channel, "onData");
        super.onData(channel, data);
        if (e != null && mux.version() == ProtocolVersion.V2 && mux.isOpen(channel)) {
            long held = mux.unconsumedBytes(channel);
            e.maxPending = Math.max(e.maxPending, held);
            if (held > mux.receiveWindow(channel)) {
                e.stream.violation("window", e + " holds " + held + " unconsumed bytes, window " + mux.receiveWindow(channel));
            }
        }
    }

    @Override
    public void onChannelFreed(int channel) {
        ChannelEnd e = ends.remove(channel);
        if (e != null) e.onFreed();
        super.onChannelFreed(channel);
    }

    void watchDns(int channel, DnsQuery query) {
        queries.put(channel, query);
    }

    void forgetDns(int channel) {
        queries.remove(channel);
    }

    @Override
    public void onDnsRequest(int channel, byte[] query) {
        DnsQuery.answer(session, this, channel, query);
    }

    @Override
    public void onDnsResponse(int channel, byte[] reply) {
        DnsQuery query = queries.remove(channel);
        if (query == null) {
            session.violation("dns", "reply on channel " + channel + ", which has no query waiting");
            return;
        }
        query.onReply(reply);
    }

    @Override
    public void onKeepaliveTimeout(long silentNanos) {
        keepaliveTimeouts++;
        session.violation("keepalive", (client ? "client" : "server") + " heard nothing for " + silentNanos / 1_000_000 + " ms");
    }

    @Override
    public void onWarning(String message) {
        warnings++;
    }

    int openEnds() {
        return ends.size();
    }

    /** The simulation's clock as the driver's timers. */
    private static final class SimTimers implements Timers {
        private final Simulation sim;

        SimTimers(Simulation sim) {
            this.sim = sim;
        }

        @Override
        public long nanos() {
            return sim.now();
        }

        @Override
        public void scheduleAt(long deadlineNanos, Runnable task) {
            sim.at(deadlineNanos, task);
        }
    }
}
