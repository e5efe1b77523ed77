package dev.sshuttle.sim;

import dev.sshuttle.mux.ConnectFailure;
import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.mux.MuxListener;
import dev.sshuttle.mux.ProtocolException;
import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.mux.TcpTarget;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * One mux and its driver: moves bytes between the mux and its outgoing {@link LinkDirection},
 * feeds it what arrives, runs its keepalive timer, and routes listener calls to the
 * {@link ChannelEnd} of each channel. The server side answers connects after the stream's
 * connect delay, with connected() or connectFailed().
 */
final class Endpoint implements MuxListener {
    private final Session session;
    private final Mux mux;
    private final boolean client;
    private final Map<Integer, ChannelEnd> ends = new HashMap<>();
    private final Map<Integer, DnsQuery> queries = new HashMap<>();
    private LinkDirection out;
    private long tickAtNanos = Long.MAX_VALUE;
    private final java.util.Set<Integer> usedChannels = new java.util.HashSet<>();
    int reusedChannels; // client: connections that got a number an earlier connection had
    int warnings;
    int keepaliveTimeouts;

    Endpoint(Session session, Mux.Role role, ProtocolVersion version, MuxConfig config) {
        this.session = session;
        this.client = role == Mux.Role.CLIENT;
        this.mux = new Mux(role, version, config, this, session.sim.now());
    }

    void connect(LinkDirection outgoing) {
        this.out = outgoing;
    }

    Mux mux() {
        return mux;
    }

    Simulation sim() {
        return session.sim;
    }

    void receive(ByteBuffer bytes) {
        if (session.dead()) return;
        try {
            mux.receive(bytes, session.sim.now());
        } catch (ProtocolException e) {
            session.protocolError((client ? "client" : "server") + ": " + e.getMessage());
        }
    }

    /** Moves output into the link while it has room, and keeps the keepalive timer armed. */
    void pump() {
        if (session.dead()) return;
        out.fill(buffer -> mux.drainTo(buffer, session.sim.now()));
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
    void open(StreamRun stream) {
        if (stream.spec.mode() == StreamSpec.Mode.DNS) {
            stream.dns = new DnsQuery(stream);
            stream.dns.start(this);
            return;
        }
        int ch = mux.openTcp(target(stream.spec.id()));
        if (ch < 0) {
            // every channel number in use: the driver refuses the local connection
            stream.noChannel = true;
            return;
        }
        if (!usedChannels.add(ch)) reusedChannels++;
        ChannelEnd end = new ChannelEnd(stream, true, ch, this);
        stream.client = end;
        ends.put(ch, end);
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

    @Override
    public void onTcpConnect(int channel, TcpTarget target) {
        StreamRun stream = session.stream(streamId(target));
        if (stream == null || stream.server != null) {
            // only a damaged stream can ask for this; the target is "unreachable"
            session.violation("connect", "connect to unknown or repeated target " + target + " on channel " + channel);
            mux.connectFailed(channel, ConnectFailure.UNREACHABLE, "no such simulated target");
            return;
        }
        ChannelEnd end = new ChannelEnd(stream, false, channel, this);
        stream.server = end;
        ends.put(channel, end);
        session.sim.after(stream.spec.connectDelayNanos(), () -> {
            if (end.freed) return;
            if (stream.spec.fault() == StreamSpec.Fault.REFUSED) {
                end.refused = true;
                mux.connectFailed(channel, ConnectFailure.REFUSED, "Connection refused");
            } else {
                mux.connected(channel);
                end.onSocketConnected();
            }
        });
    }

    private void to(int channel, java.util.function.Consumer<ChannelEnd> action, String what) {
        ChannelEnd end = ends.get(channel);
        if (end == null) {
            session.violation("callback", what + " for channel " + channel + ", which this side does not know");
            return;
        }
        action.accept(end);
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
    public void onConnected(int channel) {
        to(channel, e -> e.connectedSeen = true, "onConnected");
    }

    @Override
    public void onConnectFailed(int channel, ConnectFailure reason, String message) {
        to(channel, e -> e.onConnectFailed(reason), "onConnectFailed");
    }

    @Override
    public void onData(int channel, byte[] data) {
        to(channel, e -> e.onData(data), "onData");
    }

    @Override
    public void onEof(int channel) {
        to(channel, ChannelEnd::onEof, "onEof");
    }

    @Override
    public void onStopSending(int channel) {
        to(channel, ChannelEnd::onStopSending, "onStopSending");
    }

    @Override
    public void onReset(int channel, String message) {
        to(channel, ChannelEnd::onReset, "onReset");
    }

    @Override
    public void onWritable(int channel) {
        to(channel, ChannelEnd::onWritable, "onWritable");
    }

    @Override
    public void onChannelFreed(int channel) {
        ChannelEnd end = ends.remove(channel);
        if (end != null) end.onFreed();
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
}
