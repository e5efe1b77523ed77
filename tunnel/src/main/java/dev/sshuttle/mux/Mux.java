package dev.sshuttle.mux;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.function.Predicate;

/**
 * One end of the sshuttle mux, sans I/O: bytes and calls in, bytes and listener events out,
 * time passed in as nanoseconds. Not thread-safe: one driver thread owns it. Mux is the
 * dispatcher; the parts it dispatches to are tested alone: {@link FrameDecoder} (frames in
 * place), {@link ChannelTable} (numbers and their reuse), {@link SendCredit} and
 * {@link ReceiveWindow} (0002 windows), {@link Scheduler} (which channel sends next),
 * {@link InFlightBound} (how much may sit inside the transport), {@link Keepalive} and
 * {@link ClassicPacing} (0001's latency control).
 *
 * <p>Outgoing order: answers to the peer's probes, control frames (connects, resets, PONGs),
 * window grants, our own ack probes, then channel data as the scheduler picks it. Data is
 * pulled: a channel whose socket has bytes is marked {@link #readable}, and when its turn
 * comes the mux reads its {@link ChannelSource} straight into the outgoing buffer behind the
 * frame header. Incoming data frames are handed to the listener in place, as a view of the
 * input buffer.
 */
public final class Mux {
    public enum Role { CLIENT, SERVER }

    /** What sshuttle sends per frame; keeps classic pacing faithful. */
    private static final int V1_DATA_FRAME = 2048;
    /** A channel pulled while the transport is full for bulk reads this much at most. */
    public static final int SPARSE_PULL_BYTES = 16 * 1024;
    /**
     * A channel whose socket had been empty this long counts as sparse when it is readable again:
     * an interactive channel between messages, not bulk whose socket drained between two of the
     * application's writes (that refills within microseconds).
     */
    private static final long SPARSE_IDLE_NANOS = 1_000_000L;
    /** Don't start a data frame in less room than this: write what is there first. */
    private static final int MIN_PULL_BYTES = 1024;
    private static final int MAX_PINGS_TRACKED = 16;
    private static final int MAX_PROBE_ECHOES = 256;
    /** Control bytes queued past which the driver should stop reading input (a PING flood). */
    private static final long CONTROL_BACKLOG_BYTES = 1 << 20;
    /**
     * PINGs whose PONG we could not write yet (the peer reads nothing) past which the peer is
     * flooding: an honest peer has a handful outstanding (at most 8 ack probes, a keepalive, one
     * "rttest"), and answers wait only while it does not read. Past either bound: protocol error.
     */
    static final int MAX_UNANSWERED_PINGS = 64;
    static final long MAX_UNANSWERED_PING_BYTES = 256 * 1024;
    private static final long CHANNEL_REUSE_DELAY_NANOS = 2_000_000_000L;
    /**
     * 0002: send credit past this is a protocol error (protocol.md). An honest peer never grants
     * more than its window, at most MAX_WINDOW; the spec's constants, not our own configured
     * maximum, because the peer's windows are the peer's.
     */
    static final long CREDIT_CEILING_BYTES = 2L * MuxConfig.MAX_WINDOW + MuxConfig.INITIAL_WINDOW;

    private final Role role;
    private final ProtocolVersion version;
    private final MuxConfig config;
    private final MuxListener listener;
    private final FrameDecoder decoder = new FrameDecoder();
    private final FrameDecoder.Sink dispatch = this::dispatch;
    private final ChannelTable table;
    private final Scheduler scheduler = new SparseFlowScheduler();
    private final Predicate<TcpChannel> canSend = this::canSend;
    private final InFlightBound inFlight;
    private final ClassicPacing pacing;
    private final Keepalive keepalive;

    private final ArrayDeque<Frame> control = new ArrayDeque<>();
    private final UdpQueue udp = new UdpQueue();
    private long controlBytes;
    private int pongsQueued; // PONG frames in control
    private long pongBytesQueued;
    private final ArrayDeque<TcpChannel> grants = new ArrayDeque<>();
    private final ArrayDeque<TcpChannel> blocked = new ArrayDeque<>(); // to send TCP_WINDOW 0: "blocked on your window"
    private final long[] probeEchoes = new long[MAX_PROBE_ECHOES]; // offsets of the peer's probes, to answer
    private int probeEchoHead;
    private int probeEchoCount;
    private final int[] pingHash = new int[MAX_PINGS_TRACKED];
    private final long[] pingSentNanos = new long[MAX_PINGS_TRACKED];
    private int pingHead;
    private int pingCount;

    private long now;
    private long smoothedRttNanos;
    private boolean exited;
    private long streamOffset; // bytes put into the outgoing stream

    private long bytesIn;
    private long dataBytesOut;
    private long dataBytesIn;

    public Mux(Role role, ProtocolVersion version, MuxConfig config, MuxListener listener, long nowNanos) {
        this.role = role;
        this.version = version;
        this.config = config;
        this.listener = listener;
        this.now = nowNanos;
        this.table = new ChannelTable(config.maxChannel(), role == Role.CLIENT);
        this.inFlight = version == ProtocolVersion.V2 ? new InFlightBound(config.inFlightGain()) : null;
        this.pacing = new ClassicPacing(version == ProtocolVersion.V1 && config.latencyControl(), config.latencyBufferBytes());
        this.keepalive = new Keepalive(config.keepaliveIntervalNanos(), config.keepaliveTimeoutNanos(), nowNanos);
    }

    public Role role() { return role; }

    public ProtocolVersion version() { return version; }

    // ------------------------------------------------------------------ input

    /** Bytes from the transport (after the sync header). Throws when the peer broke the protocol. */
    public void receive(ByteBuffer bytes, long nowNanos) throws ProtocolException {
        now = nowNanos;
        if (bytes.hasRemaining()) keepalive.input(nowNanos);
        bytesIn += bytes.remaining();
        decoder.decode(bytes, dispatch);
    }

    /** False while answers queue up unsent (a peer that floods PINGs and reads nothing): stop reading its input. */
    public boolean wantsInput() {
        return controlBytes < CONTROL_BACKLOG_BYTES;
    }

    /**
     * The driver is not reading the transport because our local sockets are behind: the silence
     * is ours, so the keepalive must not count it against the peer (whose bytes wait unread).
     */
    public void holdingInput(long nowNanos) {
        now = nowNanos;
        keepalive.input(nowNanos);
    }

    private void dispatch(int ch, int cmd, ByteBuffer payload) throws ProtocolException {
        if (!Command.isKnown(cmd, version)) {
            throw new ProtocolException("unknown command " + Command.name(cmd) + " on channel " + ch
                    + " (protocol " + version.magic() + ")");
        }
        switch (cmd) {
            case Command.PING -> onPing(payload);
            case Command.PONG -> onPong(payload);
            case Command.EXIT -> {
                exited = true;
                listener.onExit();
            }
            case Command.ROUTES -> {
                requireRole(Role.CLIENT, cmd);
                listener.onRoutes(text(payload));
            }
            case Command.HOST_LIST -> {
                requireRole(Role.CLIENT, cmd);
                listener.onHostList(text(payload));
            }
            case Command.HOST_REQ -> {
                requireRole(Role.SERVER, cmd);
                listener.onHostRequest(text(payload));
            }
            case Command.TCP_CONNECT -> onTcpConnect(ch, payload);
            case Command.DNS_REQ -> {
                requireRole(Role.SERVER, cmd);
                if (ch == 0) throw new ProtocolException("DNS_REQ on channel 0");
                if (table.inUse(ch) && !table.isDns(ch)) throw new ProtocolException("DNS_REQ on channel " + ch + ", which is still open");
                if (!table.isDns(ch)) table.putDns(ch);
                listener.onDnsRequest(ch, bytes(payload));
            }
            case Command.DNS_RESPONSE -> {
                if (!table.isDns(ch)) {
                    listener.onWarning("DNS_RESPONSE for unknown channel " + ch + " dropped");
                } else {
                    table.free(ch, now);
                    listener.onDnsResponse(ch, bytes(payload));
                }
            }
            case Command.UDP_OPEN -> {
                requireRole(Role.SERVER, cmd);
                if (ch == 0 || table.inUse(ch)) {
                    throw new ProtocolException("UDP_OPEN on channel " + ch + ", which is " + (ch == 0 ? "the control channel" : "still open"));
                }
                int family;
                try {
                    family = Integer.parseInt(text(payload).strip());
                } catch (NumberFormatException e) {
                    throw new ProtocolException("UDP_OPEN with a family that is not a number: " + text(payload));
                }
                table.putUdp(ch);
                listener.onUdpOpen(ch, family);
            }
            case Command.UDP_DATA -> {
                if (table.isUdp(ch)) {
                    listener.onUdpData(ch, bytes(payload));
                } else {
                    listener.onWarning("UDP_DATA for closed channel " + ch + " dropped");
                }
            }
            case Command.UDP_CLOSE -> {
                if (table.isUdp(ch)) {
                    table.free(ch, now);
                    listener.onUdpClose(ch);
                }
            }
            default -> onChannelFrame(ch, cmd, payload);
        }
    }

    private void requireRole(Role wanted, int cmd) throws ProtocolException {
        if (role != wanted) {
            throw new ProtocolException(Command.name(cmd) + " sent to the " + role.name().toLowerCase()
                    + ", which only the " + wanted.name().toLowerCase() + " may receive");
        }
    }

    private void onPing(ByteBuffer payload) throws ProtocolException {
        int unanswered = probeEchoCount + pongsQueued + 1;
        long bytes = pongBytesQueued + Frame.HEADER_BYTES + payload.remaining();
        if (unanswered > MAX_UNANSWERED_PINGS || bytes > MAX_UNANSWERED_PING_BYTES) {
            throw new ProtocolException("PING flood: " + unanswered + " PINGs (" + bytes / 1024
                    + " KiB of answers) unanswered because the peer reads nothing");
        }
        if (InFlightBound.isProbe(payload) && probeEchoCount < MAX_PROBE_ECHOES) {
            // the peer's ack probe, answered without allocating: there is one per few hundred KiB
            probeEchoes[(probeEchoHead + probeEchoCount++) % MAX_PROBE_ECHOES] = InFlightBound.probeOffset(payload);
        } else {
            queue(new Frame(0, Command.PONG, bytes(payload)));
            pongsQueued++;
            pongBytesQueued += Frame.HEADER_BYTES + payload.remaining();
        }
    }

    private void onPong(ByteBuffer payload) {
        pacing.onPong(); // sshuttle: any PONG ends the latency-control wait, whatever its payload
        if (inFlight != null && InFlightBound.isProbe(payload)
                && inFlight.onPong(InFlightBound.probeOffset(payload), now)) {
            rttSample(inFlight.lastRttNanos());
            return;
        }
        int hash = hash(payload);
        for (int i = 0; i < pingCount; i++) {
            int slot = (pingHead + i) % MAX_PINGS_TRACKED;
            if (pingHash[slot] == hash) {
                rttSample(now - pingSentNanos[slot]);
                // drop it and everything older: PONGs come back in order
                pingHead = (slot + 1) % MAX_PINGS_TRACKED;
                pingCount -= i + 1;
                return;
            }
        }
    }

    private void rttSample(long rttNanos) {
        smoothedRttNanos = smoothedRttNanos == 0 ? rttNanos : (7 * smoothedRttNanos + rttNanos) / 8;
    }

    private void onTcpConnect(int ch, ByteBuffer payload) throws ProtocolException {
        if (role != Role.SERVER) throw new ProtocolException("TCP_CONNECT sent to the client");
        if (ch == 0) throw new ProtocolException("TCP_CONNECT on channel 0");
        if (table.inUse(ch)) throw new ProtocolException("TCP_CONNECT on channel " + ch + ", which is still open");
        TcpTarget target = TcpTarget.parse(bytes(payload));
        table.putTcp(new TcpChannel(ch, config));
        listener.onTcpConnect(ch, target);
    }

    private void onChannelFrame(int ch, int cmd, ByteBuffer payload) throws ProtocolException {
        TcpChannel c = table.tcp(ch);
        if (c == null) {
            // classic peers send stray frames after a close; sshuttle logs and drops them
            listener.onWarning("closed channel " + ch + " got " + Command.name(cmd) + " len=" + payload.remaining());
            return;
        }
        switch (cmd) {
            case Command.TCP_DATA -> onData(c, payload);
            case Command.TCP_EOF -> {
                if (c.gotEof) { // harmless, and classic peers may repeat it: both agents drop it (protocol.md)
                    listener.onWarning("channel " + ch + ": second TCP_EOF dropped");
                    return;
                }
                c.gotEof = true;
                listener.onEof(ch);
                maybeFree(c);
            }
            case Command.TCP_STOP_SENDING -> {
                if (!c.gotStop) {
                    c.gotStop = true;
                    c.sourceReady = false;
                    c.eofRequested = false;
                    listener.onStopSending(ch);
                    maybeFree(c);
                }
            }
            case Command.TCP_WINDOW -> {
                if (payload.remaining() != 4) throw new ProtocolException("TCP_WINDOW with " + payload.remaining() + " bytes on channel " + ch);
                long increment = payload.getInt(payload.position()) & 0xffffffffL;
                if (increment == 0) {
                    // the peer is blocked on our window: grow it if our reader keeps up
                    if (version == ProtocolVersion.V2 && c.window.senderBlocked()) queueGrant(c);
                    return;
                }
                c.credit.grant(increment);
                c.blockedQueued = false;
                if (c.credit.available() > CREDIT_CEILING_BYTES) {
                    throw new ProtocolException("channel " + ch + " credit grew to " + c.credit.available() + " bytes, past any window");
                }
                if (canSend(c)) scheduler.ready(c, false); // credit came back: it was sending
            }
            case Command.TCP_CONNECTED -> {
                if (role != Role.CLIENT) throw new ProtocolException("TCP_CONNECTED sent to the server");
                if (c.connected) throw new ProtocolException("second TCP_CONNECTED on channel " + ch);
                c.connected = true;
                listener.onConnected(ch);
            }
            case Command.TCP_CONNECT_FAILED -> {
                if (role != Role.CLIENT) throw new ProtocolException("TCP_CONNECT_FAILED sent to the server");
                byte[] p = bytes(payload);
                ConnectFailure reason = p.length > 0 ? ConnectFailure.fromCode(p[0] & 0xff) : ConnectFailure.OTHER;
                String text = p.length > 1 ? new String(p, 1, p.length - 1, StandardCharsets.UTF_8) : reason.name().toLowerCase();
                forget(c);
                listener.onConnectFailed(ch, reason, text);
                listener.onChannelFreed(ch);
            }
            case Command.TCP_RESET -> {
                forget(c);
                listener.onReset(ch, text(payload));
                listener.onChannelFreed(ch);
            }
            default -> throw new ProtocolException("unexpected " + Command.name(cmd) + " on channel " + ch);
        }
    }

    private void onData(TcpChannel c, ByteBuffer data) throws ProtocolException {
        int n = data.remaining();
        if (c.shutRead()) {
            if (version == ProtocolVersion.V2 && c.gotEof) {
                throw new ProtocolException("TCP_DATA after TCP_EOF on channel " + c.id);
            }
            listener.onWarning("channel " + c.id + " got " + n + " data bytes after it stopped reading; dropped");
            return;
        }
        if (version == ProtocolVersion.V2 && !c.window.receive(n)) {
            throw new ProtocolException("channel " + c.id + " sent " + n + " bytes with only "
                    + c.window.peerCredit() + " bytes of window left");
        }
        dataBytesIn += n;
        listener.onData(c.id, data);
    }

    // ------------------------------------------------------------------ application calls

    /** Client: opens a TCP channel to the target. Returns the channel, or -1 when none is free. */
    public int openTcp(TcpTarget target) {
        if (role != Role.CLIENT) throw new IllegalStateException("only the client opens channels");
        int ch = table.allocate(now, reuseDelayNanos());
        if (ch < 0) return -1;
        table.putTcp(new TcpChannel(ch, config));
        queue(new Frame(ch, Command.TCP_CONNECT, target.encode()));
        return ch;
    }

    /** Where the channel's outgoing bytes come from; pulled once {@link #readable} says there are some. */
    public void attach(int channel, ChannelSource source) {
        TcpChannel c = table.tcp(channel);
        if (c != null) c.source = source;
    }

    /**
     * The channel's source has bytes, or its end, to give: the channel joins the scheduler and
     * is pulled when its turn comes (and it has credit). The source is not read before.
     */
    public void readable(int channel, long nowNanos) {
        now = nowNanos;
        TcpChannel c = table.tcp(channel);
        if (c == null || c.shutWrite() || c.source == null) return;
        c.sourceReady = true;
        if (canSend(c)) {
            scheduler.ready(c, c.drainedAtNanos == Long.MIN_VALUE || now - c.drainedAtNanos >= SPARSE_IDLE_NANOS);
        } else {
            noteBlocked(c);
        }
    }

    /** 0002: the channel has bytes but no credit: tell the peer once, so it can grow the window. */
    private void noteBlocked(TcpChannel c) {
        if (version != ProtocolVersion.V2 || c.blockedQueued || !c.sourceReady || c.credit.available() > 0) return;
        c.blockedQueued = true;
        blocked.add(c);
    }

    /** Client: sends a DNS query on a fresh channel. Returns the channel or -1. */
    public int openDns(byte[] query) {
        int ch = table.allocate(now, reuseDelayNanos());
        if (ch < 0) return -1;
        table.putDns(ch);
        queue(new Frame(ch, Command.DNS_REQ, query));
        return ch;
    }

    /** Client: forget a DNS query that timed out, freeing its channel. */
    public void abandonDns(int channel) {
        if (table.isDns(channel)) table.free(channel, now);
    }

    /**
     * A freed number is not reused for 2 s, or 8 smoothed round trips if longer: the peer may
     * still have frames in flight for the old channel.
     */
    private long reuseDelayNanos() {
        return Math.max(CHANNEL_REUSE_DELAY_NANOS, 8 * smoothedRttNanos);
    }

    /** The local socket reached EOF (known to the driver rather than read by the mux): send TCP_EOF. */
    public void shutdownOutput(int channel) {
        TcpChannel c = table.tcp(channel);
        if (c == null || c.shutWrite() || c.eofRequested) return;
        c.eofRequested = true;
        c.sourceReady = false;
        scheduler.ready(c, true);
    }

    /** The local socket can take no more data: ask the peer to stop sending. */
    public void stopSending(int channel) {
        TcpChannel c = table.tcp(channel);
        if (c == null || c.sentStop) return;
        c.sentStop = true;
        queue(new Frame(channel, Command.TCP_STOP_SENDING, new byte[0]));
        maybeFree(c);
    }

    /** The local socket was reset (or we give up on it): abort the channel on both sides. */
    public void reset(int channel, String why) {
        TcpChannel c = table.tcp(channel);
        if (c == null) return;
        queueReset(c, why);
        release(c);
    }

    private void queueReset(TcpChannel c, String why) {
        if (version == ProtocolVersion.V2) {
            queue(Frame.of(c.id, Command.TCP_RESET, why == null ? "" : why));
        } else {
            // classic has no reset: say EOF and stop-sending, as sshuttle does on socket errors
            if (!c.sentEof && !c.gotStop) queue(new Frame(c.id, Command.TCP_EOF, new byte[0]));
            if (!c.sentStop) queue(new Frame(c.id, Command.TCP_STOP_SENDING, new byte[0]));
        }
    }

    /**
     * The listener wrote {@code bytes} of received data to the local socket: the credit goes back
     * to the peer, coalesced, when the next output is drained, once a quarter of the window is owed.
     */
    public void consumed(int channel, int bytes) {
        consumed(channel, bytes, false);
    }

    /** As {@link #consumed(int, int)}; {@code drained}: a backlog the listener held is now all written. */
    public void consumed(int channel, int bytes, boolean drained) {
        TcpChannel c = table.tcp(channel);
        if (c == null || version != ProtocolVersion.V2 || bytes <= 0) return;
        if (c.window.consume(bytes, drained)) queueGrant(c);
    }

    private void queueGrant(TcpChannel c) {
        if (c.grantQueued) return;
        c.grantQueued = true;
        grants.add(c);
    }

    /** Server: the outbound connect for the channel succeeded. */
    public void connected(int channel) {
        TcpChannel c = table.tcp(channel);
        if (c == null) return;
        c.connected = true;
        if (version == ProtocolVersion.V2) queue(new Frame(channel, Command.TCP_CONNECTED, new byte[0]));
    }

    /** Server: the outbound connect failed. Frees the channel. */
    public void connectFailed(int channel, ConnectFailure reason, String message) {
        TcpChannel c = table.tcp(channel);
        if (c == null) return;
        if (version == ProtocolVersion.V2) {
            byte[] text = (message == null ? "" : message).getBytes(StandardCharsets.UTF_8);
            byte[] payload = new byte[1 + Math.min(text.length, 1000)];
            payload[0] = (byte) reason.code;
            System.arraycopy(text, 0, payload, 1, payload.length - 1);
            queue(new Frame(channel, Command.TCP_CONNECT_FAILED, payload));
        } else {
            // sshuttle's server: TCP_EOF then TCP_STOP_SENDING, no reason on the wire
            queue(new Frame(channel, Command.TCP_EOF, new byte[0]));
            queue(new Frame(channel, Command.TCP_STOP_SENDING, new byte[0]));
        }
        release(c);
    }

    public void sendRoutes(String routes) {
        queue(Frame.of(0, Command.ROUTES, routes));
    }

    public void sendHostRequest(String seeds) {
        queue(Frame.of(0, Command.HOST_REQ, seeds));
    }

    public void sendHostList(String hosts) {
        queue(Frame.of(0, Command.HOST_LIST, hosts));
    }

    /**
     * A datagram for an open UDP channel: "ip,port," + data, the destination (client) or the
     * source of the reply (server). It waits in the UDP queue, which takes turns with the TCP
     * channels; false when that queue is full and the datagram was dropped, as a full router
     * queue drops (the application's retry is UDP's answer to loss, never our memory).
     */
    public boolean sendUdpData(int channel, byte[] payload) {
        return table.isUdp(channel) && udp.offer(new Frame(channel, Command.UDP_DATA, payload));
    }

    /** Client: opens a UDP channel for an address family (2 IPv4, 10 IPv6). Returns the channel or -1. */
    public int openUdp(int family) {
        int ch = table.allocate(now, reuseDelayNanos());
        if (ch < 0) return -1;
        table.putUdp(ch);
        queue(Frame.of(ch, Command.UDP_OPEN, Integer.toString(family)));
        return ch;
    }

    /** Client: ends a UDP channel (idle flow): UDP_CLOSE, and the number is freed. */
    public void closeUdp(int channel) {
        if (!table.isUdp(channel)) return;
        table.free(channel, now);
        queue(new Frame(channel, Command.UDP_CLOSE, new byte[0]));
    }

    /** UDP datagrams dropped because the UDP queue was full. */
    public long udpDropped() {
        return udp.dropped();
    }

    public void sendDnsResponse(int channel, byte[] reply) {
        if (table.isDns(channel)) {
            table.free(channel, now);
            queue(new Frame(channel, Command.DNS_RESPONSE, reply));
        }
    }

    /** Sends a PING; its PONG gives a round-trip sample. */
    public void ping(byte[] payload) {
        if (pingCount == MAX_PINGS_TRACKED) {
            pingHead = (pingHead + 1) % MAX_PINGS_TRACKED;
            pingCount--;
        }
        int slot = (pingHead + pingCount++) % MAX_PINGS_TRACKED;
        pingHash[slot] = hash(ByteBuffer.wrap(payload));
        pingSentNanos[slot] = now;
        queue(new Frame(0, Command.PING, payload));
    }

    public void sendExit() {
        queue(new Frame(0, Command.EXIT, new byte[0]));
    }

    private void queue(Frame f) {
        control.add(f);
        controlBytes += Frame.HEADER_BYTES + f.payload().length;
    }

    // ------------------------------------------------------------------ time

    /** Advances time: keepalive. Call at {@link #nextDeadline()} or whenever convenient. */
    public void tick(long nowNanos) {
        now = nowNanos;
        switch (keepalive.tick(nowNanos)) {
            case PING -> ping(Keepalive.PAYLOAD);
            case DEAD -> listener.onKeepaliveTimeout(keepalive.silentNanos(nowNanos));
            case NOTHING -> { }
        }
    }

    /** When tick() next has something to do; Long.MAX_VALUE for never. */
    public long nextDeadline() {
        return keepalive.nextDeadline();
    }

    // ------------------------------------------------------------------ output

    /** True when drainTo may write something now. */
    public boolean hasOutput() {
        if (probeEchoCount > 0 || !control.isEmpty() || !grants.isEmpty() || !blocked.isEmpty()) return true;
        if (udpMayGo()) return true;
        if (inFlight != null && inFlight.probeDue(streamOffset)) return true;
        if (scheduler.isEmpty() || pacing.holdsData()) return false;
        return inFlight == null || inFlight.hasSparseRoom(streamOffset);
    }

    /** Writes whole frames into {@code out} while they fit. Returns the bytes written. */
    public int drainTo(ByteBuffer out, long nowNanos) {
        now = nowNanos;
        long start = streamOffset;
        boolean room = writeControl(out) && writeProbe(out);
        // UDP and TCP take turns, one frame each: neither a datagram flood nor a bulk transfer
        // shuts the other out
        while (room && (stageUdp(out) | stageData(out))) {
            room = writeControl(out) && writeProbe(out);
        }
        return (int) (streamOffset - start);
    }

    /** Probe answers, control frames and window grants, while they fit; false when out is full. */
    private boolean writeControl(ByteBuffer out) {
        while (probeEchoCount > 0) {
            if (out.remaining() < InFlightBound.PROBE_FRAME_BYTES) return false;
            FrameEncoder.writeHeader(out, 0, Command.PONG, InFlightBound.PAYLOAD_BYTES);
            out.put(InFlightBound.PREFIX).putLong(probeEchoes[probeEchoHead]);
            probeEchoHead = (probeEchoHead + 1) % MAX_PROBE_ECHOES;
            probeEchoCount--;
            streamOffset += InFlightBound.PROBE_FRAME_BYTES;
        }
        for (Frame f; (f = control.peek()) != null; ) {
            int bytes = Frame.HEADER_BYTES + f.payload().length;
            if (out.remaining() < bytes) return false;
            control.poll();
            controlBytes -= bytes;
            if (f.command() == Command.PONG) {
                pongsQueued--;
                pongBytesQueued -= bytes;
            }
            FrameEncoder.write(out, f);
            pacing.sent(f.payload().length);
            streamOffset += bytes;
        }
        for (TcpChannel c; (c = grants.peek()) != null; ) {
            if (out.remaining() < Frame.HEADER_BYTES + 4) return false;
            grants.poll();
            c.grantQueued = false;
            if (table.tcp(c.id) != c) continue;
            long increment = Math.min(c.window.takeGrant(), 0xffffffffL);
            if (increment <= 0) continue;
            FrameEncoder.writeHeader(out, c.id, Command.TCP_WINDOW, 4);
            out.putInt((int) increment);
            streamOffset += Frame.HEADER_BYTES + 4;
        }
        for (TcpChannel c; (c = blocked.peek()) != null; ) {
            if (out.remaining() < Frame.HEADER_BYTES + 4) return false;
            blocked.poll();
            if (table.tcp(c.id) != c || c.credit.available() > 0) {
                c.blockedQueued = false;
                continue;
            }
            FrameEncoder.writeHeader(out, c.id, Command.TCP_WINDOW, 4);
            out.putInt(0);
            streamOffset += Frame.HEADER_BYTES + 4;
        }
        return true;
    }

    /** One queued datagram, under the same bounds as TCP data; false when none can go now. */
    private boolean stageUdp(ByteBuffer out) {
        if (!udpMayGo()) return false;
        Frame f = udp.peek();
        if (out.remaining() < Frame.HEADER_BYTES + f.payload().length) return false;
        udp.poll();
        if (!table.isUdp(f.channel())) return true; // closed meanwhile
        FrameEncoder.write(out, f);
        pacing.sent(f.payload().length);
        streamOffset += Frame.HEADER_BYTES + f.payload().length;
        return true;
    }

    private boolean udpMayGo() {
        if (udp.isEmpty() || pacing.holdsData()) return false;
        return inFlight == null || !inFlight.full(streamOffset);
    }

    private boolean writeProbe(ByteBuffer out) {
        if (inFlight == null || !inFlight.probeDue(streamOffset)) return true;
        if (out.remaining() < InFlightBound.PROBE_FRAME_BYTES) return false;
        streamOffset += inFlight.writeProbe(out, streamOffset, now);
        return true;
    }

    private boolean canSend(TcpChannel c) {
        if (table.tcp(c.id) != c || c.shutWrite()) return false;
        if (c.eofRequested) return true;
        return c.sourceReady && (version == ProtocolVersion.V1 || c.credit.available() > 0);
    }

    /** Puts one channel frame (or notes a drained channel); false when nothing more can go now. */
    private boolean stageData(ByteBuffer out) {
        if (pacing.startWaiting()) {
            ping(ClassicPacing.RTTEST); // written by the caller's next writeControl; data waits for its PONG
            return true;
        }
        if (pacing.holdsData()) return false;
        // bulk fills the bound but never passes it, so the sparse slack above it is always there
        // for an interactive channel
        boolean full = inFlight != null && inFlight.full(streamOffset);
        if (full && !inFlight.hasSparseRoom(streamOffset)) return false;
        if (out.remaining() < Frame.HEADER_BYTES + MIN_PULL_BYTES) return false;
        TcpChannel c = scheduler.next(canSend, full);
        if (c == null) return false;
        if (!c.eofRequested) {
            int n = pull(c, out, full);
            if (n != -1) return true;
            c.eofRequested = true; // the source ended: TCP_EOF in the same turn
        }
        FrameEncoder.writeHeader(out, c.id, Command.TCP_EOF, 0);
        streamOffset += Frame.HEADER_BYTES;
        c.sentEof = true;
        c.eofRequested = false;
        scheduler.sent(c, 1);
        maybeFree(c);
        return true;
    }

    /** Reads the channel's source into a data frame at out's position. Returns the source's answer. */
    private int pull(TcpChannel c, ByteBuffer out, boolean sparse) {
        int max = version == ProtocolVersion.V2 ? (int) Math.min(Frame.MAX_PAYLOAD, c.credit.available()) : V1_DATA_FRAME;
        max = Math.min(max, out.remaining() - Frame.HEADER_BYTES);
        if (sparse) {
            max = Math.min(max, SPARSE_PULL_BYTES);
        } else if (inFlight != null) {
            max = (int) Math.min(max, inFlight.room(streamOffset) - Frame.HEADER_BYTES);
        }
        int at = out.position();
        int limit = out.limit();
        out.limit(at + Frame.HEADER_BYTES + max).position(at + Frame.HEADER_BYTES);
        int n = c.source.read(out);
        out.limit(limit);
        if (n <= 0) {
            out.position(at);
            c.sourceReady = false;
            c.drainedAtNanos = now;
            if (n == ChannelSource.RESET) {
                queueReset(c, "the local connection failed");
                release(c);
            }
            return n;
        }
        out.position(at + Frame.HEADER_BYTES + n);
        out.putShort(at, (short) ('S' << 8 | 'S'))
                .putShort(at + 2, (short) c.id)
                .putShort(at + 4, (short) Command.TCP_DATA)
                .putShort(at + 6, (short) n);
        if (n < max) {
            c.sourceReady = false; // a short read: drained for now
            c.drainedAtNanos = now;
        }
        if (version == ProtocolVersion.V2) {
            c.credit.spend(n);
            noteBlocked(c);
        }
        scheduler.sent(c, n);
        pacing.sent(n);
        dataBytesOut += n;
        streamOffset += Frame.HEADER_BYTES + n;
        return n;
    }

    private void maybeFree(TcpChannel c) {
        if (c.finished()) release(c);
    }

    private void release(TcpChannel c) {
        if (forget(c)) listener.onChannelFreed(c.id);
    }

    /** Frees the channel without telling the listener yet: onChannelFreed is always its last call. */
    private boolean forget(TcpChannel c) {
        if (table.tcp(c.id) != c) return false;
        table.free(c.id, now);
        c.sourceReady = false;
        c.eofRequested = false;
        return true;
    }

    private static String text(ByteBuffer payload) {
        return new String(bytes(payload), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer payload) {
        byte[] b = new byte[payload.remaining()];
        payload.get(payload.position(), b);
        return b;
    }

    private static int hash(ByteBuffer payload) {
        int h = 1;
        for (int i = payload.position(); i < payload.limit(); i++) h = 31 * h + payload.get(i);
        return h;
    }

    // ------------------------------------------------------------------ inspection (tests, stats)

    public boolean isOpen(int channel) {
        return table.tcp(channel) != null;
    }

    public int openChannelCount() {
        return table.count();
    }

    /** 0002: credit the peer still has on this channel (what it may send before we grant more). */
    public long receiveCredit(int channel) {
        TcpChannel c = table.tcp(channel);
        return c == null ? 0 : c.window.peerCredit();
    }

    /** 0002: the channel's current receive window (autotuned). */
    public long receiveWindow(int channel) {
        TcpChannel c = table.tcp(channel);
        return c == null ? 0 : c.window.window();
    }

    /** 0002: bytes delivered to the listener and not yet reported consumed. */
    public long unconsumedBytes(int channel) {
        TcpChannel c = table.tcp(channel);
        return c == null ? 0 : c.window.unconsumed();
    }

    /** 0002: credit this side still has for sending on the channel. */
    public long sendCredit(int channel) {
        TcpChannel c = table.tcp(channel);
        return c == null ? 0 : c.credit.available();
    }

    /** 0002: bytes written into the stream that the peer has not yet confirmed reading. */
    public long inFlightBytes() {
        return inFlight == null ? 0 : inFlight.inFlight(streamOffset);
    }

    /** 0002: the current bound on {@link #inFlightBytes()}. */
    public long inFlightLimitBytes() {
        return inFlight == null ? 0 : inFlight.limitBytes();
    }

    /** 0002: the smallest round trip measured by ack probes (0 before the first). */
    public long minRttNanos() {
        return inFlight == null ? 0 : inFlight.minRttNanos();
    }

    /** Control frames (PONGs, resets, connects...) queued and not yet written: what a peer that reads nothing makes us hold. */
    public long queuedControlBytes() { return controlBytes; }

    public long smoothedRttNanos() { return smoothedRttNanos; }

    public long bytesOut() { return streamOffset; }

    public long bytesIn() { return bytesIn; }

    public long dataBytesOut() { return dataBytesOut; }

    public long dataBytesIn() { return dataBytesIn; }

    public boolean exited() { return exited; }

    public MuxConfig config() { return config; }
}
