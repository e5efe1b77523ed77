package dev.sshuttle.sim;

import dev.sshuttle.io.LocalSocket;
import dev.sshuttle.io.Readiness;
import dev.sshuttle.mux.ConnectFailure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One side of one simulated connection: the application and its kernel socket, which the
 * production driver ({@code dev.sshuttle.io.SocketBridge}) reads, writes, shuts down and closes
 * as it would a real one. The socket has a bounded send buffer (what the application wrote and
 * the driver has not read) and a bounded receive buffer (what the driver wrote and the
 * application has not read), and reports readiness level-triggered, like the selector. Every
 * byte the driver writes is checked against the stream's {@link Pattern} as it arrives.
 */
final class ChannelEnd implements LocalSocket {
    static final int SEND_BUFFER_BYTES = 64 * 1024;
    private static final long SLOW_READ_TICK_NANOS = 5_000_000L;

    final StreamRun stream;
    final StreamSpec.Side side;
    final int channel;
    private final Simulation sim;
    private final long sendKey;
    private final long receiveKey;

    // application -> socket -> driver
    long writeTotal;
    long allowance;
    long written;          // bytes the application put into the socket
    private long driverRead; // of those, read by the driver
    boolean shutSent;      // the application shut down its output (FIN after the buffered bytes)
    boolean peerStopped;   // the driver shut our input (the peer sent STOP_SENDING): writes go nowhere

    // driver -> socket -> application
    long received;         // bytes the driver wrote into the socket
    long socketBuffered;   // of those, not yet read by the application
    long appRead;
    boolean eofInSocket;   // the driver shut down its output: after the buffered bytes, EOF
    boolean appEof;
    boolean readClosed;    // the application closed its socket early (the stop-reading fault)
    private boolean readScheduled;
    private long lastReadNanos = Long.MIN_VALUE / 2;

    // lifecycle
    boolean connected;
    boolean connectedSeen;
    boolean resetByMe;
    boolean resetByPeer;
    boolean refused;
    ConnectFailure failure;
    boolean closedByDriver;
    boolean freed;
    int freedCount;
    long maxPending;
    long firstByteNanos = -1;
    long lastByteNanos = -1;

    // request/response (client side)
    private int roundsDone;
    private long roundStartNanos;
    final List<Long> roundTripsNanos = new ArrayList<>();

    // readiness, as the selector would report it
    private Readiness events;
    private boolean readInterest;
    private boolean writeInterest;
    private boolean checkScheduled;

    ChannelEnd(StreamRun stream, boolean client, int channel, Simulation sim) {
        this.stream = stream;
        this.side = stream.spec.side(client);
        this.channel = channel;
        this.sim = sim;
        this.sendKey = Pattern.key(stream.spec.id(), client);
        this.receiveKey = Pattern.key(stream.spec.id(), !client);
        this.writeTotal = side.writeTotal();
        this.allowance = stream.spec.mode() == StreamSpec.Mode.BULK ? writeTotal : client ? Math.min(writeTotal, side.unit()) : 0;
        this.roundStartNanos = sim.now();
    }

    // ------------------------------------------------------------ the socket, as the driver uses it

    @Override
    public void start(Readiness events) {
        this.events = events;
        scheduleCheck();
    }

    /** A connector's socket reports to the connect outcome from the start. */
    void reportTo(Readiness events) {
        this.events = events;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (resetByMe) throw new IOException("Connection reset by peer");
        long available = written - driverRead;
        if (available == 0) return shutSent ? -1 : 0;
        int n = (int) Math.min(available, dst.remaining());
        for (int i = 0; i < n; i++) dst.put(Pattern.at(sendKey, driverRead + i));
        driverRead += n;
        sim.after(0, this::pumpWrite); // room in the send buffer
        return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (resetByMe) throw new IOException("Connection reset by peer");
        if (readClosed) throw new IOException("Broken pipe");
        long room = side.reader().socketBufferBytes() - socketBuffered;
        int n = (int) Math.min(room, src.remaining());
        if (n <= 0) return 0;
        if (aborted() || eofInSocket) {
            stream.violation("bytes", n + " bytes written after " + state() + " on " + this);
        }
        int p = src.position();
        for (int i = 0; i < n; i++) {
            if (src.get(p + i) != Pattern.at(receiveKey, received + i)) {
                stream.violation("bytes", "byte " + (received + i) + " of " + this + " is wrong (lost, duplicated,"
                        + " reordered or misrouted data)");
                break;
            }
        }
        src.position(p + n);
        received += n;
        socketBuffered += n;
        scheduleRead();
        return n;
    }

    @Override
    public void shutdownOutput() {
        if (eofInSocket) stream.violation("eof", "second shutdownOutput on " + this);
        eofInSocket = true;
        scheduleRead();
    }

    @Override
    public void shutdownInput() {
        if (peerStopped) stream.violation("stop", "second shutdownInput on " + this);
        peerStopped = true;
        driverRead = written; // what the application wrote and the driver had not read is gone
        pumpWrite();
    }

    @Override
    public void close(boolean reset) {
        if (closedByDriver) stream.violation("freed", this + " closed twice by the driver");
        closedByDriver = true;
        if (reset && !refused && !resetByMe) resetByPeer = true;
        if (!reset && !eofInSocket) {
            eofInSocket = true; // a plain close is a FIN
            scheduleRead();
        }
        if (reset) {
            socketBuffered = 0;
        }
    }

    @Override
    public void interest(boolean read, boolean write) {
        readInterest = read;
        writeInterest = write;
        scheduleCheck();
    }

    private boolean readable() {
        return written > driverRead || shutSent || resetByMe;
    }

    private boolean writable() {
        return socketBuffered < side.reader().socketBufferBytes() || resetByMe || readClosed;
    }

    /** Readiness is reported in an event of its own, as the selector would, never from inside a driver call. */
    private void scheduleCheck() {
        if (checkScheduled || events == null || closedByDriver) return;
        checkScheduled = true;
        sim.after(0, () -> {
            checkScheduled = false;
            if (closedByDriver || events == null) return;
            boolean fired = false;
            if (readInterest && readable()) {
                events.onReadable();
                fired = true;
            }
            if (!closedByDriver && writeInterest && writable()) {
                events.onWritable();
                fired = true;
            }
            if (fired) scheduleCheck(); // level-triggered: still ready means reported again next round
        });
    }

    // ------------------------------------------------------------ the application

    /** The connection is established (client: accepted; server: the connect succeeded). */
    void onSocketConnected() {
        connected = true;
        pumpWrite();
        maybeShutdown();
    }

    void pumpWrite() {
        if (!connected || aborted() || shutSent || readClosed) return;
        long limit = Math.min(allowance, writeTotal);
        long room = SEND_BUFFER_BYTES - (written - driverRead);
        long n = Math.min(room, limit - written);
        if (n > 0) {
            written += n;
            if (peerStopped) driverRead = written;
            scheduleCheck();
        }
        maybeShutdown();
    }

    private void maybeShutdown() {
        if (!connected || shutSent || aborted() || written < writeTotal) return;
        if (side.waitsForPeerEof() && !appEof) return;
        shutSent = true;
        scheduleCheck();
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
        if (n > 0) {
            if (firstByteNanos < 0) firstByteNanos = sim.now();
            lastByteNanos = sim.now();
            scheduleCheck(); // room in the receive buffer
            afterAppRead();
        }
        if (aborted() || readClosed) return;
        if (socketBuffered == 0 && eofInSocket && !appEof) {
            appEof = true;
            finishWriting();
        }
        scheduleRead();
    }

    private void afterAppRead() {
        if (side.resetAfterBytes() > 0 && appRead >= side.resetAfterBytes()) {
            resetByMe = true; // close with SO_LINGER 0: the driver's next read or write fails
            socketBuffered = 0;
            scheduleCheck();
            return;
        }
        if (side.stopAfterBytes() > 0 && appRead >= side.stopAfterBytes()) {
            // the application closes its socket early; with unread bytes the kernel sends RST
            if (socketBuffered > 0) {
                resetByMe = true;
                socketBuffered = 0;
            } else {
                readClosed = true;
                shutSent = true; // close() sends FIN after what the driver has not read yet
            }
            scheduleCheck();
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

    // ------------------------------------------------------------ what the mux reported

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
        return resetByMe || resetByPeer || refused || (!side.client() && closedByDriver && !connected);
    }

    /** The application is finished with the connection, the mux freed the channel and the driver closed the socket. */
    boolean done() {
        if (!freed || !closedByDriver) return false;
        if (aborted() || readClosed) return true;
        return appEof && (shutSent || peerStopped);
    }

    String state() {
        return (connected ? "" : "unconnected ") + (resetByMe ? "reset-by-me " : "") + (resetByPeer ? "reset-by-peer " : "")
                + (refused ? "refused " : "") + (readClosed ? "read-closed " : "") + (eofInSocket ? "got-eof " : "")
                + (appEof ? "app-eof " : "") + (shutSent ? "shut " : "") + (peerStopped ? "peer-stopped " : "")
                + (freed ? "freed " : "open ") + (closedByDriver ? "closed " : "")
                + "written=" + written + "/" + writeTotal + " driver-read=" + driverRead + " read=" + appRead
                + " received=" + received + " socket=" + socketBuffered
                + " interest=" + (readInterest ? "r" : "") + (writeInterest ? "w" : "");
    }

    @Override
    public String toString() {
        return "stream#" + stream.spec.id() + (side.client() ? " client" : " server") + " ch" + channel;
    }
}
