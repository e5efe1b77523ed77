package dev.sshuttle.io;

import dev.sshuttle.mux.Mux;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;

/**
 * Pumps one local TCP socket to one mux channel and back, on the event loop. The socket is
 * closed exactly once: when the channel is freed and everything received has been written,
 * or at once (with RST) when either side aborts.
 */
final class SocketBridge implements EventLoop.Handler {
    static final int READ_BYTES = 64 * 1024;
    private static final int READS_PER_WAKEUP = 4; // fairness between sockets

    final int channel;
    private final SocketChannel socket;
    private final Mux mux;
    private final Bridges owner;
    private SelectionKey key;

    private final ByteBuffer readBuffer; // shared by the loop's bridges: emptied after every read
    private ByteBuffer unsent; // read from the socket, not yet taken by the mux
    private final ArrayDeque<ByteBuffer> toSocket = new ArrayDeque<>();
    private long toSocketBytes;

    private boolean connecting;
    private boolean readingStopped; // local EOF seen, or the peer asked us to stop sending
    private boolean pausedByMux;
    private boolean peerEof;
    private boolean outputShut;
    private boolean channelFreed;
    private boolean closed;

    SocketBridge(int channel, SocketChannel socket, Mux mux, Bridges owner, boolean connecting, ByteBuffer readBuffer) {
        this.channel = channel;
        this.readBuffer = readBuffer;
        this.socket = socket;
        this.mux = mux;
        this.owner = owner;
        this.connecting = connecting;
    }

    void register(EventLoop loop) {
        key = loop.register(socket, 0, this);
        updateInterest();
    }

    @Override
    public void ready(SelectionKey k) {
        if (closed) return;
        if (k.isConnectable()) {
            owner.finishConnect(this, socket);
            return;
        }
        if (k.isWritable()) writeToSocket();
        if (!closed && k.isReadable()) readFromSocket();
    }

    /** The outbound connect completed (server side). */
    void connected() {
        connecting = false;
        writeToSocket();
        updateInterest();
    }

    // ---------------------------------------------------------------- socket -> mux

    private void readFromSocket() {
        try {
            for (int i = 0; i < READS_PER_WAKEUP && !readingStopped && !pausedByMux; i++) {
                readBuffer.clear();
                int n = socket.read(readBuffer);
                if (n < 0) {
                    readingStopped = true;
                    mux.shutdownOutput(channel);
                    break;
                }
                if (n == 0) break;
                readBuffer.flip();
                mux.send(channel, readBuffer);
                if (readBuffer.hasRemaining()) {
                    unsent = ByteBuffer.allocate(readBuffer.remaining()).put(readBuffer).flip();
                    pausedByMux = true;
                }
            }
        } catch (IOException e) {
            abortBoth("local connection failed: " + e.getMessage());
            return;
        }
        updateInterest();
        maybeClose();
    }

    /** The mux has room again for this channel. */
    void onWritable() {
        if (closed || !pausedByMux) return;
        if (unsent != null) {
            mux.send(channel, unsent);
            if (unsent.hasRemaining()) return;
            unsent = null;
        }
        pausedByMux = false;
        updateInterest();
    }

    /** The peer wants no more data from us. */
    void onStopSending() {
        readingStopped = true;
        unsent = null;
        try {
            if (!closed) socket.shutdownInput();
        } catch (IOException ignored) {
            // the socket is going away anyway
        }
        updateInterest();
    }

    // ---------------------------------------------------------------- mux -> socket

    void onData(byte[] data) {
        if (closed) return;
        toSocket.add(ByteBuffer.wrap(data));
        toSocketBytes += data.length;
        writeToSocket();
    }

    void onEof() {
        peerEof = true;
        writeToSocket();
    }

    private void writeToSocket() {
        if (closed || connecting) return;
        long written = 0;
        try {
            while (!toSocket.isEmpty()) {
                ByteBuffer head = toSocket.peek();
                written += socket.write(head);
                if (head.hasRemaining()) break;
                toSocket.poll();
            }
            if (toSocket.isEmpty() && peerEof && !outputShut) {
                outputShut = true;
                socket.shutdownOutput();
            }
        } catch (IOException e) {
            abortBoth("writing to the local connection failed: " + e.getMessage());
            return;
        } finally {
            if (written > 0) {
                toSocketBytes -= written;
                mux.consumed(channel, (int) written);
            }
        }
        updateInterest();
        maybeClose();
    }

    // ---------------------------------------------------------------- lifecycle

    void onChannelFreed() {
        channelFreed = true;
        maybeClose();
    }

    /** The peer reset the channel, or the connect failed: abort the socket with RST. */
    void abortLocal() {
        channelFreed = true;
        closeSocket(true);
    }

    private void abortBoth(String why) {
        mux.reset(channel, why);
        abortLocal();
    }

    private void maybeClose() {
        if (!closed && channelFreed && toSocket.isEmpty()) closeSocket(false);
    }

    private void closeSocket(boolean reset) {
        if (closed) return;
        closed = true;
        toSocket.clear();
        toSocketBytes = 0;
        if (key != null) key.cancel();
        try {
            if (reset && socket.isOpen()) socket.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException ignored) {
            // not connected: a plain close is all there is
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing more to do for a socket that will not close
        }
        owner.closed(this);
    }

    private void updateInterest() {
        if (closed || key == null || !key.isValid()) return;
        int ops = 0;
        if (connecting) {
            ops = SelectionKey.OP_CONNECT;
        } else {
            if (!readingStopped && !pausedByMux) ops |= SelectionKey.OP_READ;
            if (!toSocket.isEmpty()) ops |= SelectionKey.OP_WRITE;
        }
        key.interestOps(ops);
    }

    long pendingToSocketBytes() {
        return toSocketBytes;
    }

    boolean isConnecting() {
        return connecting && !closed;
    }

    boolean isClosed() {
        return closed;
    }
}
