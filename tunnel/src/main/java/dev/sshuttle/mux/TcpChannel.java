package dev.sshuttle.mux;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * One TCP channel's state inside the mux: the send queue, the flags of sshuttle's half-close
 * state machine, and the 0002 credit on both sides. No behaviour beyond bookkeeping; the Mux
 * decides.
 */
final class TcpChannel {
    final int id;
    final long openedAtNanos;

    // outgoing stream bytes, not yet framed
    final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    int queuedBytes;
    boolean pushedBack; // send() refused bytes; owe an onWritable

    // classic flags (ssnet.py MuxWrapper): shut_write = sentEof || gotStop, shut_read = gotEof || sentStop
    boolean eofRequested; // local side ended; send TCP_EOF once the queue is empty
    boolean sentEof;
    boolean gotEof;
    boolean sentStop;
    boolean gotStop;

    // 0002
    boolean connected;
    long sendCredit;          // bytes we may still send
    long recvCredit;          // bytes the peer may still send us
    long unackedConsumed;     // consumed locally, not yet granted back
    long receivedUnconsumed;  // delivered to the listener, not yet consumed
    long windowTarget;        // current receive window (autotuned)
    long lastGrantNanos;
    long consumedSinceGrant;

    // scheduler bookkeeping
    boolean scheduled;
    int deficit;

    TcpChannel(int id, long nowNanos, int initialWindow) {
        this.id = id;
        this.openedAtNanos = nowNanos;
        this.sendCredit = initialWindow;
        this.recvCredit = initialWindow;
        this.windowTarget = initialWindow;
        this.lastGrantNanos = nowNanos;
    }

    boolean shutWrite() {
        return sentEof || gotStop;
    }

    boolean shutRead() {
        return gotEof || sentStop;
    }

    boolean finished() {
        return shutWrite() && shutRead();
    }

    void clearQueue() {
        queue.clear();
        queuedBytes = 0;
    }
}
