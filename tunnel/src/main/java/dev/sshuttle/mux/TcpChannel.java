package dev.sshuttle.mux;

/**
 * One TCP channel's state inside the mux: its source, the flags of sshuttle's half-close state
 * machine, the 0002 credit both ways, and the scheduler's bookkeeping. No behaviour beyond
 * bookkeeping; the Mux decides.
 */
final class TcpChannel {
    final int id;
    final SendCredit credit;
    final ReceiveWindow window;

    ChannelSource source;
    boolean sourceReady;  // the source has bytes (or its EOF) for us: pull when scheduled
    boolean eofRequested; // send TCP_EOF (the source ended, or shutdownOutput was called)

    // classic flags (ssnet.py MuxWrapper): shut_write = sentEof || gotStop, shut_read = gotEof || sentStop
    boolean sentEof;
    boolean gotEof;
    boolean sentStop;
    boolean gotStop;
    boolean connected;

    // scheduler and grant bookkeeping
    boolean scheduled;
    int deficit;
    long drainedAtNanos = Long.MIN_VALUE; // when a read last found the socket empty (never: a new channel is sparse)
    boolean grantQueued;
    boolean blockedQueued; // a TCP_WINDOW 0 ("blocked on credit") is queued or sent; cleared by the next credit

    TcpChannel(int id, MuxConfig config) {
        this.id = id;
        this.credit = new SendCredit(config.initialWindowBytes());
        this.window = new ReceiveWindow(config.initialWindowBytes(), config.maxWindowBytes());
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
}
