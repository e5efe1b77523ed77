package dev.sshuttle.sim;

import dev.sshuttle.mux.ConnectFailure;
import dev.sshuttle.mux.ProtocolVersion;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One side of one simulated connection: the application, its socket (a bounded receive buffer)
 * and the driver code between socket and mux, written the way the production drivers work:
 * read the socket into mux.send until it pushes back, write received data into the socket as it
 * has room and report it with mux.consumed, pass EOF, stop-sending and resets both ways.
 * Every received byte is checked against the stream's {@link Pattern} as it arrives.
 */
final class ChannelEnd {
    private static final int WRITE_CHUNK_BYTES = 16 * 1024;
    private static final long SLOW_READ_TICK_NANOS = 5_000_000L;

    final StreamRun stream;
    final StreamSpec.Side side;
    final int channel;
    private final Endpoint endpoint;
    private final Simulation sim;
    private final long sendKey;
    private final long receiveKey;
    private final byte[] scratch = new byte[WRITE_CHUNK_BYTES];

    // application -> mux
    long writeTotal;
    long allowance;
    long written;
    boolean writeBlocked;
    boolean shutSent;
    boolean peerStopped;

    // mux -> application
    long received;
    long pending;       // given to the driver by the mux, not yet in the socket (0002: within the window)
    long socketBuffered;
    long appRead;
    boolean eofFromPeer;
    boolean eofInSocket;
    boolean appEof;
    boolean readClosed; // this application stopped reading: we sent TCP_STOP_SENDING
    private boolean readScheduled;
    private long lastReadNanos = Long.MIN_VALUE / 2;

    // lifecycle
    boolean connected;
    boolean connectedSeen;
    boolean resetByMe;
    boolean resetByPeer;
    boolean refused;
    ConnectFailure failure;
    boolean freed;
    int freedCount;
    long maxPending;
    private boolean windowExceeded;
    long firstByteNanos = -1;
    long lastByteNanos = -1;

    // request/response (client side)
    private int roundsDone;
    private long roundStartNanos;
    final List<Long> roundTripsNanos = new ArrayList<>();

    ChannelEnd(StreamRun stream, boolean client, int channel, Endpoint endpoint) {
        this.stream = stream;
        this.side = stream.spec.side(client);
        this.channel = channel;
        this.endpoint = endpoint;
        this.sim = endpoint.sim();
        this.sendKey = Pattern.key(stream.spec.id(), client);
        this.receiveKey = Pattern.key(stream.spec.id(), !client);
        this.writeTotal = side.writeTotal();
        this.allowance = stream.spec.mode() == StreamSpec.Mode.BULK ? writeTotal : client ? Math.min(writeTotal, side.unit()) : 0;
        this.roundStartNanos = sim.now();
    }

    // ------------------------------------------------------------ local socket became usable

    void onSocketConnected() {
        connected = true;
        flushPending();
        pumpWrite();
        maybeShutdown();
    }

    // ------------------------------------------------------------ application writes

    void pumpWrite() {
        if (!connected || aborted() || peerStopped || shutSent) return;
        long limit = Math.min(allowance, writeTotal);
        while (!writeBlocked && written < limit) {
            int n = (int) Math.min(WRITE_CHUNK_BYTES, limit - written);
            Pattern.fill(scratch, n, sendKey, written);
            int took = endpoint.mux().send(channel, ByteBuffer.wrap(scratch, 0, n));
            written += took;
            if (took < n) writeBlocked = true;
            int queued = endpoint.mux().queuedBytes(channel);
            if (queued > endpoint.mux().config().sendQueueBytes()) {
                stream.violation("window", this + " has " + queued + " bytes queued in the mux, past its send queue");
            }
            if (aborted() || peerStopped) return;
        }
        maybeShutdown();
    }

    private void maybeShutdown() {
        if (!connected || shutSent || aborted() || peerStopped || written < writeTotal) return;
        if (side.waitsForPeerEof() && !(appEof || readClosed)) return;
        shutSent = true;
        endpoint.mux().shutdownOutput(channel);
    }

    void onWritable() {
        writeBlocked = false;
        pumpWrite();
    }

    void onStopSending() {
        if (peerStopped) stream.violation("stop", "second onStopSending on " + this);
        peerStopped = true;
    }

    // ------------------------------------------------------------ application reads

    void onData(byte[] data) {
        if (aborted() || readClosed || eofFromPeer || freed) {
            stream.violation("bytes", data.length + " bytes delivered after " + state() + " on " + this);
            return;
        }
        int bad = Pattern.firstMismatch(data, receiveKey, received);
        if (bad >= 0) {
            stream.violation("bytes", "byte " + (received + bad) + " of " + this + " is wrong (lost, duplicated,"
                    + " reordered or misrouted data)");
        }
        received += data.length;
        pending += data.length;
        maxPending = Math.max(maxPending, pending);
        if (endpoint.mux().version() == ProtocolVersion.V2) {
            long window = endpoint.mux().receiveWindow(channel);
            if (pending > window && !windowExceeded) {
                windowExceeded = true; // once per channel end: the first time says it all
                stream.violation("window", this + " holds " + pending + " unconsumed bytes, window " + window);
            }
        }
        flushPending();
    }

    void onEof() {
        if (eofFromPeer) stream.violation("eof", "second onEof on " + this);
        eofFromPeer = true;
        flushPending();
    }

    private void flushPending() {
        if (!connected || aborted() || readClosed) return;
        long n = Math.min(side.reader().socketBufferBytes() - socketBuffered, pending);
        if (n > 0) {
            pending -= n;
            socketBuffered += n;
            endpoint.mux().consumed(channel, (int) n);
        }
        if (pending == 0 && eofFromPeer) eofInSocket = true;
        scheduleRead();
    }

    private void scheduleRead() {
        if (readScheduled || aborted() || readClosed || appEof) return;
        if (socketBuffered == 0 && !eofInSocket) return;
        StreamSpec.Reader r = side.reader();
        long at = sim.now();
        if (r.kind() == StreamSpec.Reader.Kind.STALLED) at = Math.max(at, stream.startedNanos + r.stallNanos());
        if (r.kind() == StreamSpec.Reader.Kind.SLOW) at = Math.max(at, lastReadNanos + SLOW_READ_TICK_NANOS);
        readScheduled = true;
        sim.at(at, this::appReads);
    }

    private void appReads() {
        readScheduled = false;
        if (aborted() || readClosed || appEof) return;
        lastReadNanos = sim.now();
        StreamSpec.Reader r = side.reader();
        long n = r.kind() == StreamSpec.Reader.Kind.SLOW
                ? Math.min(socketBuffered, Math.max(1, r.bytesPerSecond() * SLOW_READ_TICK_NANOS / 1_000_000_000L))
                : socketBuffered;
        socketBuffered -= n;
        appRead += n;
        if (n > 0 && firstByteNanos < 0) firstByteNanos = sim.now();
        if (n > 0) lastByteNanos = sim.now();
        if (n > 0) afterAppRead();
        if (aborted() || readClosed) return;
        if (socketBuffered == 0 && eofInSocket && !appEof) {
            appEof = true;
            finishWriting();
        }
        flushPending();
    }

    private void afterAppRead() {
        if (side.resetAfterBytes() > 0 && appRead >= side.resetAfterBytes()) {
            resetByMe = true;
            pending = 0;
            socketBuffered = 0;
            endpoint.mux().reset(channel, "application reset");
            return;
        }
        if (side.stopAfterBytes() > 0 && appRead >= side.stopAfterBytes()) {
            readClosed = true;
            pending = 0;
            socketBuffered = 0;
            endpoint.mux().stopSending(channel);
            finishWriting();
            return;
        }
        if (stream.spec.mode() == StreamSpec.Mode.REQUEST_RESPONSE) answerOrAskAgain();
    }

    private void answerOrAskAgain() {
        if (!side.client()) {
            allowance = Math.min(writeTotal, appRead / side.peerUnit() * side.unit());
            pumpWrite();
            return;
        }
        while (roundsDone < stream.spec.rounds() && appRead >= (roundsDone + 1) * side.peerUnit()) {
            roundsDone++;
            roundTripsNanos.add(sim.now() - roundStartNanos);
            if (roundsDone == stream.spec.rounds()) break;
            long next = Math.min(writeTotal, (roundsDone + 1L) * side.unit());
            sim.after(stream.spec.thinkNanos(), () -> {
                roundStartNanos = sim.now();
                allowance = Math.max(allowance, next);
                pumpWrite();
            });
        }
    }

    /** The application will read no more: it writes what it owes and closes its output. */
    private void finishWriting() {
        if (stream.spec.mode() == StreamSpec.Mode.REQUEST_RESPONSE) writeTotal = Math.min(writeTotal, allowance);
        pumpWrite();
        maybeShutdown();
    }

    // ------------------------------------------------------------ aborts and lifecycle

    void onReset() {
        resetByPeer = true;
        pending = 0;
        socketBuffered = 0;
    }

    void onConnectFailed(ConnectFailure reason) {
        refused = true;
        failure = reason;
    }

    void onFreed() {
        freedCount++;
        if (freedCount > 1) stream.violation("freed", this + " freed " + freedCount + " times");
        freed = true;
    }

    boolean aborted() {
        return resetByMe || resetByPeer || refused || (!side.client() && freed && !connected);
    }

    /** The application is finished with the connection and the mux has freed the channel. */
    boolean done() {
        return freed && (aborted() || ((appEof || readClosed) && (shutSent || peerStopped)));
    }

    String state() {
        return (connected ? "" : "unconnected ") + (resetByMe ? "reset-by-me " : "") + (resetByPeer ? "reset-by-peer " : "")
                + (refused ? "refused " : "") + (readClosed ? "read-closed " : "") + (eofFromPeer ? "got-eof " : "")
                + (appEof ? "app-eof " : "") + (shutSent ? "shut " : "") + (peerStopped ? "peer-stopped " : "")
                + (freed ? "freed " : "open ") + "written=" + written + "/" + writeTotal + " read=" + appRead
                + " received=" + received + " pending=" + pending + " socket=" + socketBuffered
                + (freed ? "" : " mux-queued=" + endpoint.mux().queuedBytes(channel)
                + (writeBlocked ? " write-blocked" : ""));
    }

    @Override
    public String toString() {
        return "stream#" + stream.spec.id() + (side.client() ? " client" : " server") + " ch" + channel;
    }
}
