package dev.sshuttle.io;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/** A {@link LocalSocket} over a JDK SocketChannel on the event loop. */
public final class NioSocket implements LocalSocket, EventLoop.Handler {
    private final EventLoop loop;
    private final SocketChannel channel;
    private ConnectOutcome connectOutcome; // while connecting
    private Readiness events;
    private SelectionKey key;
    private int ops = -1;

    private NioSocket(EventLoop loop, SocketChannel channel) {
        this.loop = loop;
        this.channel = channel;
    }

    /** An accepted (connected) socket. */
    public static NioSocket of(EventLoop loop, SocketChannel channel) throws IOException {
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return new NioSocket(loop, channel);
    }

    /** Starts a connect; the outcome is reported on the loop, never from here. */
    static NioSocket connect(EventLoop loop, SocketChannel channel, java.net.SocketAddress to, ConnectOutcome outcome)
            throws IOException {
        NioSocket s = new NioSocket(loop, channel);
        s.connectOutcome = outcome;
        s.events = outcome;
        s.key = loop.register(channel, 0, s);
        if (channel.connect(to)) {
            loop.execute(s::connectDone);
        } else {
            s.setOps(SelectionKey.OP_CONNECT);
        }
        return s;
    }

    @Override
    public void start(Readiness events) {
        this.events = events;
        if (key == null) key = loop.register(channel, 0, this);
    }

    @Override
    public void ready(SelectionKey k) {
        if (!k.isValid()) return;
        if (connectOutcome != null) {
            if (k.isConnectable()) finishConnect();
            return;
        }
        if (k.isWritable()) events.onWritable();
        if (k.isValid() && k.isReadable()) events.onReadable();
    }

    private void finishConnect() {
        try {
            if (!channel.finishConnect()) return;
        } catch (IOException e) {
            ConnectOutcome o = connectOutcome;
            connectOutcome = null;
            setOps(0);
            o.onConnectFailed(e);
            return;
        }
        connectDone();
    }

    private void connectDone() {
        ConnectOutcome o = connectOutcome;
        if (o == null || !channel.isOpen()) return;
        connectOutcome = null;
        setOps(0);
        o.onConnected();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return channel.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return channel.write(src);
    }

    @Override
    public void interest(boolean read, boolean write) {
        if (connectOutcome != null) return; // OP_CONNECT until the connect ends
        setOps((read ? SelectionKey.OP_READ : 0) | (write ? SelectionKey.OP_WRITE : 0));
    }

    private void setOps(int wanted) {
        if (wanted == ops || key == null || !key.isValid()) return;
        ops = wanted;
        key.interestOps(wanted);
    }

    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void shutdownInput() {
        try {
            channel.shutdownInput();
        } catch (IOException | java.nio.channels.NotYetConnectedException ignored) {
            // the socket is going away anyway, or not connected yet (then nothing is read from it)
        }
    }

    @Override
    public void close(boolean reset) {
        connectOutcome = null;
        if (key != null) key.cancel();
        if (reset) {
            LocalSockets.reset(channel);
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to do for a socket that will not close
        }
    }
}
