package dev.sshuttle.io;

import dev.sshuttle.mux.ConnectFailure;
import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.MuxListener;
import dev.sshuttle.mux.TcpTarget;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The mux listener shared by client and agent: routes channel events to the socket bridges,
 * and on the agent side opens the outbound connections TCP_CONNECT asks for.
 */
public class Bridges implements MuxListener {
    private static final long CONNECT_TIMEOUT_NANOS = 30_000_000_000L;

    private final EventLoop loop;
    private final Map<Integer, SocketBridge> bridges = new HashMap<>();
    /**
     * One read buffer for every bridge: they all run on the one loop thread, and each read is
     * handed to the mux (which copies it) or copied aside before the next. A buffer per
     * connection made every short connection 64 KiB of garbage, and under thousands of them
     * the heap (and the process's RSS) grew by hundreds of MiB.
     */
    private final ByteBuffer sharedReadBuffer = ByteBuffer.allocate(SocketBridge.READ_BYTES);
    private final Consumer<String> log;
    private Mux mux;

    public Bridges(EventLoop loop, Consumer<String> log) {
        this.loop = loop;
        this.log = log;
    }

    public void attach(Mux mux) {
        this.mux = mux;
    }

    public Mux mux() {
        return mux;
    }

    /** Client: a local socket was accepted and its channel opened. */
    public void bridgeAccepted(int channel, SocketChannel socket) throws IOException {
        socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
        SocketBridge b = new SocketBridge(channel, socket, mux, this, false, sharedReadBuffer);
        bridges.put(channel, b);
        b.register(loop);
    }

    public int openBridges() {
        return bridges.size();
    }

    // ---------------------------------------------------------------- agent side: outbound connects

    @Override
    public void onTcpConnect(int channel, TcpTarget target) {
        SocketChannel socket = null;
        try {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(target.ip()), target.port());
            socket = SocketChannel.open();
            socket.configureBlocking(false);
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            boolean done = socket.connect(address);
            SocketBridge b = new SocketBridge(channel, socket, mux, this, !done, sharedReadBuffer);
            bridges.put(channel, b);
            b.register(loop);
            if (done) {
                mux.connected(channel);
                b.connected();
            } else {
                loop.scheduleAt(EventLoop.now() + CONNECT_TIMEOUT_NANOS, () -> connectTimedOut(b));
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            bridges.remove(channel);
            mux.connectFailed(channel, classify(e), describe(e, target));
        }
    }

    void finishConnect(SocketBridge b, SocketChannel socket) {
        try {
            socket.finishConnect();
            mux.connected(b.channel);
            b.connected();
        } catch (IOException e) {
            connectFailed(b, e);
        }
    }

    private void connectTimedOut(SocketBridge b) {
        if (bridges.get(b.channel) == b && b.isConnecting()) {
            connectFailed(b, new SocketTimeoutException("connect timed out after 30 s"));
        }
    }

    private void connectFailed(SocketBridge b, IOException e) {
        if (!mux.isOpen(b.channel)) return;
        log.accept("connect on channel " + b.channel + " failed: " + e.getMessage());
        mux.connectFailed(b.channel, classify(e), e.getMessage() == null ? e.toString() : e.getMessage());
        // connectFailed frees the channel, which closes the bridge through onChannelFreed
        b.abortLocal();
    }

    static ConnectFailure classify(Exception e) {
        String m = String.valueOf(e.getMessage()).toLowerCase();
        if (e instanceof ConnectException && m.contains("refused")) return ConnectFailure.REFUSED;
        if (e instanceof NoRouteToHostException || m.contains("unreachable") || m.contains("no route")) return ConnectFailure.UNREACHABLE;
        if (e instanceof SocketTimeoutException || m.contains("timed out")) return ConnectFailure.TIMED_OUT;
        return ConnectFailure.OTHER;
    }

    private static String describe(Exception e, TcpTarget target) {
        return "connect to " + target + " failed: " + (e.getMessage() == null ? e.toString() : e.getMessage());
    }

    private static void closeQuietly(SocketChannel s) {
        if (s == null) return;
        try {
            s.close();
        } catch (IOException ignored) {
            // already failing; the original error is what matters
        }
    }

    // ---------------------------------------------------------------- mux events

    @Override
    public void onConnectFailed(int channel, ConnectFailure reason, String message) {
        log.accept("channel " + channel + ": " + message);
        SocketBridge b = bridges.get(channel);
        if (b != null) b.abortLocal();
    }

    @Override
    public void onData(int channel, byte[] data) {
        SocketBridge b = bridges.get(channel);
        if (b != null) b.onData(data);
    }

    @Override
    public void onEof(int channel) {
        SocketBridge b = bridges.get(channel);
        if (b != null) b.onEof();
    }

    @Override
    public void onStopSending(int channel) {
        SocketBridge b = bridges.get(channel);
        if (b != null) b.onStopSending();
    }

    @Override
    public void onReset(int channel, String message) {
        SocketBridge b = bridges.get(channel);
        if (b != null) b.abortLocal();
    }

    @Override
    public void onWritable(int channel) {
        SocketBridge b = bridges.get(channel);
        if (b != null) b.onWritable();
    }

    @Override
    public void onChannelFreed(int channel) {
        SocketBridge b = bridges.get(channel);
        if (b != null) b.onChannelFreed();
    }

    @Override
    public void onWarning(String message) {
        log.accept(message);
    }

    void closed(SocketBridge b) {
        bridges.remove(b.channel, b);
    }

    /** Aborts every local connection (session over). */
    public void abortAll() {
        for (SocketBridge b : bridges.values().toArray(new SocketBridge[0])) b.abortLocal();
        bridges.clear();
    }
}
