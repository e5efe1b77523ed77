package dev.sshuttle.io;

import dev.sshuttle.mux.ChannelSource;
import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.ProtocolVersion;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Joins one local TCP socket to one mux channel. Upstream it is the channel's
 * {@link ChannelSource}: when the socket is readable it tells the mux, which reads it when the
 * channel's turn comes, straight into the outgoing frame. Downstream it writes what the mux
 * delivers straight from the mux's input buffer, and keeps only what the socket does not take.
 * The socket is closed exactly once: when the channel is freed and everything received has
 * been written, or at once (with RST) when either side aborts.
 */
final class SocketBridge implements ChannelSource, ConnectOutcome {
    /**
     * 0001 has no windows: bytes the peer sends for an application that does not read pile up
     * here. Past this many on one channel the channel is reset (the driver also stops reading
     * the stream while all channels together hold {@code MuxDriver.CLASSIC_PENDING_MAX_BYTES}).
     */
    static final long CLASSIC_CHANNEL_PENDING_MAX_BYTES = 8L << 20;

    final int channel;
    private final LocalSocket socket;
    private final Mux mux;
    private final Bridges owner;
    private final PendingBytes pending;

    private boolean connecting;
    long connectDeadlineNanos;
    /** Bytes read from the local socket into the mux, and written to it from the mux (status). */
    long bytesUp;
    long bytesDown;
    private boolean readArmed = true;   // wants onReadable: the mux has pulled everything it was told about
    private boolean readingStopped;     // local EOF seen, or the peer asked us to stop sending
    private boolean peerEof;
    private boolean outputShut;
    private boolean channelFreed;
    private boolean closed;

    /** A connected socket (client side), or, with a connector's socket, one still connecting (agent side). */
    SocketBridge(int channel, LocalSocket socket, Mux mux, Bridges owner, boolean connecting, ChunkPool pool) {
        this.channel = channel;
        this.socket = socket;
        this.mux = mux;
        this.owner = owner;
        this.connecting = connecting;
        this.pending = new PendingBytes(pool);
        mux.attach(channel, this);
    }

    /** Starts the socket's readiness reports; for a connector's socket they started at connect(). */
    void start() {
        socket.start(this);
        updateInterest();
    }

    // ---------------------------------------------------------------- connect (agent side)

    @Override
    public void onConnected() {
        if (closed) return;
        connecting = false;
        owner.connectEnded(this);
        mux.connected(channel);
        writePending();
        updateInterest();
    }

    @Override
    public void onConnectFailed(IOException e) {
        if (!closed) owner.connectFailed(this, e);
    }

    // ---------------------------------------------------------------- socket -> mux

    @Override
    public void onReadable() {
        if (closed || readingStopped) return;
        readArmed = false; // the mux reads when the channel's turn comes; until then the selector must not report it again
        updateInterest();
        mux.readable(channel, owner.nanos());
    }

    /** Pulled by the mux, into the outgoing frame. */
    @Override
    public int read(ByteBuffer dst) {
        if (closed || readingStopped) return -1;
        int wanted = dst.remaining();
        int n;
        try {
            n = socket.read(dst);
        } catch (IOException e) {
            owner.log("channel " + channel + ": local connection failed: " + e.getMessage());
            abortLocal();
            return RESET;
        }
        if (n > 0) bytesUp += n;
        if (n < 0) {
            readingStopped = true;
        } else if (n < wanted) {
            readArmed = true; // drained: wait for the next readiness
        }
        updateInterest();
        return n;
    }

    /** The peer wants no more data from us. */
    void onStopSending() {
        readingStopped = true;
        if (!closed && !connecting) socket.shutdownInput(); // still connecting: it is never read
        updateInterest();
    }

    // ---------------------------------------------------------------- mux -> socket

    void onData(ByteBuffer data) {
        if (closed) return;
        if (pending.isEmpty() && !connecting) {
            int before = data.remaining();
            try {
                socket.write(data);
            } catch (IOException e) {
                abortBoth("writing to the local connection failed: " + e.getMessage());
                return;
            }
            consumed(before - data.remaining());
        }
        if (data.hasRemaining()) {
            if (mux.version() == ProtocolVersion.V1
                    && pending.bytes() + data.remaining() > CLASSIC_CHANNEL_PENDING_MAX_BYTES) {
                data.position(data.limit());
                owner.log("channel " + channel + ": the local reader fell " + (pending.bytes() >> 20)
                        + " MiB behind and protocol 0001 cannot slow the sender: connection reset");
                abortBoth("the local reader fell too far behind");
                return;
            }
            owner.pendingChanged(data.remaining());
            pending.add(data);
            updateInterest();
        }
    }

    void onEof() {
        peerEof = true;
        writePending();
    }

    @Override
    public void onWritable() {
        writePending();
    }

    private void writePending() {
        if (closed || connecting) return;
        try {
            if (!pending.isEmpty()) {
                long n = pending.writeTo(socket);
                bytesDown += n;
                owner.pendingChanged(-n);
                if (n > 0) mux.consumed(channel, (int) n, pending.isEmpty());
            }
            if (pending.isEmpty() && peerEof && !outputShut) {
                outputShut = true;
                socket.shutdownOutput();
            }
        } catch (IOException e) {
            abortBoth("writing to the local connection failed: " + e.getMessage());
            return;
        }
        updateInterest();
        maybeClose();
    }

    private void consumed(long bytes) {
        bytesDown += bytes;
        if (bytes > 0) mux.consumed(channel, (int) bytes);
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

    /** Our socket failed: RST it first (freeing the channel would close it gracefully), then reset the channel. */
    private void abortBoth(String why) {
        abortLocal();
        mux.reset(channel, why);
    }

    private void maybeClose() {
        if (!closed && channelFreed && pending.isEmpty()) closeSocket(false);
    }

    private void closeSocket(boolean reset) {
        if (closed) return;
        closed = true;
        owner.pendingChanged(-pending.bytes());
        pending.clear();
        socket.close(reset);
        owner.closed(this);
    }

    private void updateInterest() {
        if (closed) return;
        if (connecting) {
            socket.interest(false, false);
            return;
        }
        socket.interest(readArmed && !readingStopped, !pending.isEmpty());
    }

    long pendingBytes() {
        return pending.bytes();
    }

    boolean isClosed() {
        return closed;
    }
}
