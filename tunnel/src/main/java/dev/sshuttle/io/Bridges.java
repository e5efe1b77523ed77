package dev.sshuttle.io;

import dev.sshuttle.mux.ConnectFailure;
import dev.sshuttle.mux.Frame;
import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.MuxListener;
import dev.sshuttle.mux.TcpTarget;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * The mux listener shared by client and agent: routes channel events to the socket bridges,
 * and on the agent side opens the outbound connections TCP_CONNECT asks for (with one sweep for
 * connect timeouts, not a timer per connection).
 */
public class Bridges implements MuxListener {
    static final long CONNECT_TIMEOUT_NANOS = 30_000_000_000L;
    private static final long SWEEP_NANOS = 1_000_000_000L;

    private final Timers timers;
    private final Connector connector;
    private final SocketBridge[] bridges = new SocketBridge[Frame.MAX_CHANNEL + 1];
    private final ChunkPool pool = new ChunkPool();
    /**
     * Connects still pending, oldest first (deadlines in order). A bridge leaves as soon as its
     * connect ends or it closes, not at the next sweep: held for up to a second, a second's worth
     * of finished connections outlived every young collection under load and was promoted, and the
     * Java agent's heap grew to its cap over a soak (RSS 56 -> 88 MiB in 30 min) around a 4 MiB live set.
     */
    private final LinkedHashSet<SocketBridge> connecting = new LinkedHashSet<>();
    private final Consumer<String> log;
    private boolean sweepArmed;
    private int open;
    private long pendingBytes;
    private Mux mux;

    /** {@code connector}: how the agent connects out; null on the client, which only accepts. */
    public Bridges(Timers timers, Connector connector, Consumer<String> log) {
        this.timers = timers;
        this.connector = connector;
        this.log = log;
    }

    public void attach(Mux mux) {
        this.mux = mux;
    }

    public Mux mux() {
        return mux;
    }

    /** Client: a local connection was accepted and its channel opened. */
    public void bridgeAccepted(int channel, LocalSocket socket) {
        SocketBridge b = new SocketBridge(channel, socket, mux, this, false, pool);
        put(b);
        b.start();
    }

    public int openBridges() {
        return open;
    }

    /** What a status report sees of one open connection. */
    public interface BridgeVisitor {
        void visit(int channel, long bytesUp, long bytesDown);
    }

    /** Each open bridge: its channel, bytes from the local socket into the tunnel and back. Loop thread. */
    public void forEachOpen(BridgeVisitor visitor) {
        for (SocketBridge b : bridges) if (b != null) visitor.visit(b.channel, b.bytesUp, b.bytesDown);
    }

    /** Bytes received for local sockets that they have not taken yet, over all bridges. */
    public long pendingBytes() {
        return pendingBytes;
    }

    void pendingChanged(long delta) {
        pendingBytes += delta;
    }

    void log(String message) {
        log.accept(message);
    }

    long nanos() {
        return timers.nanos();
    }

    private void put(SocketBridge b) {
        bridges[b.channel] = b;
        open++;
    }

    // ---------------------------------------------------------------- agent side: outbound connects

    @Override
    public void onTcpConnect(int channel, TcpTarget target) {
        if (connector == null) return;
        SocketBridge[] made = new SocketBridge[1];
        ConnectOutcome outcome = new ConnectOutcome() {
            public void onConnected() { made[0].onConnected(); }
            public void onConnectFailed(IOException e) { made[0].onConnectFailed(e); }
            public void onReadable() { made[0].onReadable(); }
            public void onWritable() { made[0].onWritable(); }
        };
        LocalSocket socket;
        try {
            socket = connector.connect(target, outcome);
        } catch (IOException | RuntimeException e) {
            mux.connectFailed(channel, ConnectFailures.of(e), describe(e, target));
            return;
        }
        SocketBridge b = new SocketBridge(channel, socket, mux, this, true, pool);
        made[0] = b;
        put(b);
        b.connectDeadlineNanos = timers.nanos() + CONNECT_TIMEOUT_NANOS;
        connecting.add(b);
        armSweep();
    }

    private void armSweep() {
        if (sweepArmed || connecting.isEmpty()) return;
        sweepArmed = true;
        timers.scheduleAt(timers.nanos() + SWEEP_NANOS, this::sweep);
    }

    /** Fails the connects older than the timeout; drops the finished ones from the line. */
    private void sweep() {
        sweepArmed = false;
        long now = timers.nanos();
        // only pending connects are in the set (an ended or closed one leaves it at once), oldest first
        List<SocketBridge> expired = new ArrayList<>();
        for (SocketBridge b : connecting) {
            if (b.connectDeadlineNanos > now) break;
            expired.add(b);
        }
        for (SocketBridge b : expired) {
            connecting.remove(b);
            connectFailed(b, new SocketTimeoutException("connect timed out after 30 s"));
        }
        armSweep();
    }

    void connectFailed(SocketBridge b, IOException e) {
        if (!mux.isOpen(b.channel)) return;
        log.accept("connect on channel " + b.channel + " failed: " + e.getMessage());
        mux.connectFailed(b.channel, ConnectFailures.of(e), e.getMessage() == null ? e.toString() : e.getMessage());
        // connectFailed frees the channel, which closes the bridge through onChannelFreed
        b.abortLocal();
    }

    private static String describe(Exception e, TcpTarget target) {
        return "connect to " + target + " failed: " + (e.getMessage() == null ? e.toString() : e.getMessage());
    }

    // ---------------------------------------------------------------- mux events

    private SocketBridge bridge(int channel) {
        return bridges[channel];
    }

    @Override
    public void onConnectFailed(int channel, ConnectFailure reason, String message) {
        log.accept("channel " + channel + ": " + message);
        SocketBridge b = bridge(channel);
        if (b != null) b.abortLocal();
    }

    @Override
    public void onData(int channel, ByteBuffer data) {
        SocketBridge b = bridge(channel);
        if (b != null) b.onData(data);
    }

    @Override
    public void onEof(int channel) {
        SocketBridge b = bridge(channel);
        if (b != null) b.onEof();
    }

    @Override
    public void onStopSending(int channel) {
        SocketBridge b = bridge(channel);
        if (b != null) b.onStopSending();
    }

    @Override
    public void onReset(int channel, String message) {
        SocketBridge b = bridge(channel);
        if (b != null) b.abortLocal();
    }

    @Override
    public void onChannelFreed(int channel) {
        SocketBridge b = bridge(channel);
        if (b != null) b.onChannelFreed();
    }

    @Override
    public void onWarning(String message) {
        log.accept(message);
    }

    /** The bridge's connect ended (either way) or it closed: no deadline to keep for it. */
    void connectEnded(SocketBridge b) {
        connecting.remove(b);
    }

    void closed(SocketBridge b) {
        connecting.remove(b);
        if (bridges[b.channel] == b) {
            bridges[b.channel] = null;
            open--;
        }
    }

    /** Aborts every local connection (session over). */
    public void abortAll() {
        for (SocketBridge b : bridges) if (b != null) b.abortLocal();
        connecting.clear();
    }
}
