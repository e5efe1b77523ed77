package dev.sshuttle.mux;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One end of the sshuttle mux, sans I/O: bytes and calls in, bytes and listener events out,
 * time passed in as nanoseconds. Not thread-safe: one driver thread owns it.
 *
 * <p>Outgoing order: control frames first (PONG, WINDOW, connect results...), then channel data
 * from a fair scheduler: channels that just became active are served before channels that
 * have been sending (the "sparse flow" rule of fq_codel), and among those, deficit round robin
 * by bytes. So an interactive channel waits for at most the frame on the wire, not for bulk.
 */
public final class Mux {
    public enum Role { CLIENT, SERVER }

    private static final int V1_DATA_FRAME = 2048;     // what sshuttle sends; keeps classic pacing faithful
    private static final int V2_DATA_FRAME = Frame.MAX_PAYLOAD;
    private static final int QUANTUM_BYTES = 64 * 1024;
    private static final byte[] RTTEST = "rttest".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEPALIVE = "ka".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_PINGS_TRACKED = 16;
    // 0002 window autotuning needs the round trip; a receiving mux measures it with PING "rtt"
    private static final byte[] RTT_PROBE = "rtt".getBytes(StandardCharsets.US_ASCII);
    private static final long RTT_PROBE_INTERVAL_NANOS = 1_000_000_000L;
    // a freed channel number is not handed out again for this long (see allocateChannel)
    private static final long CHANNEL_REUSE_DELAY_NANOS = 2_000_000_000L;
    private static final long NEVER_FREED = Long.MIN_VALUE;

    private final Role role;
    private final ProtocolVersion version;
    private final MuxConfig config;
    private final MuxListener listener;
    private final FrameDecoder decoder = new FrameDecoder();

    private final Map<Integer, TcpChannel> channels = new HashMap<>();
    private final Map<Integer, Boolean> dnsChannels = new HashMap<>();
    private final java.util.Set<Integer> udpChannels = new java.util.HashSet<>();
    private final ArrayDeque<Frame> control = new ArrayDeque<>();
    private final ArrayDeque<TcpChannel> newFlows = new ArrayDeque<>();
    private final ArrayDeque<TcpChannel> oldFlows = new ArrayDeque<>();
    private final ByteBuffer staging = ByteBuffer.allocate(Frame.HEADER_BYTES + Frame.MAX_PAYLOAD);
    private final long[] freedAtNanos; // client: when each channel number was last freed
    private final ArrayDeque<long[]> pingsInFlight = new ArrayDeque<>(); // {payloadHash, sentAt}

    private int lastChannel;
    private long now;
    private long lastInputNanos;
    private boolean keepaliveOutstanding;
    private boolean keepaliveFired;
    private long smoothedRttNanos;
    private long lastRttProbeNanos;
    private boolean rttProbed;
    private boolean exited;

    // classic latency control
    private long fullness;
    private boolean tooFull;

    // counters
    private long bytesOut;
    private long bytesIn;
    private long dataBytesOut;
    private long dataBytesIn;

    public Mux(Role role, ProtocolVersion version, MuxConfig config, MuxListener listener, long nowNanos) {
        this.role = role;
        this.version = version;
        this.config = config;
        this.listener = listener;
        this.now = nowNanos;
        this.lastInputNanos = nowNanos;
        staging.flip();
        freedAtNanos = new long[role == Role.CLIENT ? config.maxChannel() + 1 : 0];
        Arrays.fill(freedAtNanos, NEVER_FREED);
    }

    public Role role() { return role; }

    public ProtocolVersion version() { return version; }

    // ------------------------------------------------------------------ input

    /** Bytes from the transport (after the sync header). Throws when the peer broke the protocol. */
    public void receive(ByteBuffer bytes, long nowNanos) throws ProtocolException {
        now = nowNanos;
        if (bytes.hasRemaining()) {
            lastInputNanos = nowNanos;
            keepaliveOutstanding = false;
            keepaliveFired = false;
        }
        bytesIn += bytes.remaining();
        decoder.decode(bytes, this::dispatch);
    }

    private void dispatch(Frame f) throws ProtocolException {
        int cmd = f.command();
        if (!Command.isKnown(cmd, version)) {
            throw new ProtocolException("unknown command " + Command.name(cmd) + " on channel " + f.channel()
                    + " (protocol " + version.magic() + ")");
        }
        switch (cmd) {
            case Command.PING -> control.add(new Frame(0, Command.PONG, f.payload()));
            case Command.PONG -> onPong(f.payload());
            case Command.EXIT -> {
                exited = true;
                listener.onExit();
            }
            case Command.ROUTES -> requireRole(Role.CLIENT, f, () -> listener.onRoutes(f.text()));
            case Command.HOST_LIST -> requireRole(Role.CLIENT, f, () -> listener.onHostList(f.text()));
            case Command.HOST_REQ -> requireRole(Role.SERVER, f, () -> listener.onHostRequest(f.text()));
            case Command.TCP_CONNECT -> onTcpConnect(f);
            case Command.DNS_REQ -> requireRole(Role.SERVER, f, () -> {
                if (f.channel() == 0) throw new ProtocolException("DNS_REQ on channel 0");
                dnsChannels.put(f.channel(), Boolean.TRUE);
                listener.onDnsRequest(f.channel(), f.payload());
            });
            case Command.DNS_RESPONSE -> {
                if (dnsChannels.remove(f.channel()) == null) {
                    listener.onWarning("DNS_RESPONSE for unknown channel " + f.channel() + " dropped");
                } else {
                    markFreed(f.channel());
                    listener.onDnsResponse(f.channel(), f.payload());
                }
            }
            case Command.UDP_OPEN -> requireRole(Role.SERVER, f, () -> {
                int ch = f.channel();
                if (ch == 0 || channels.containsKey(ch) || udpChannels.contains(ch)) {
                    throw new ProtocolException("UDP_OPEN on channel " + ch + ", which is " + (ch == 0 ? "the control channel" : "still open"));
                }
                int family;
                try {
                    family = Integer.parseInt(f.text().strip());
                } catch (NumberFormatException e) {
                    throw new ProtocolException("UDP_OPEN with a family that is not a number: " + f.text());
                }
                udpChannels.add(ch);
                listener.onUdpOpen(ch, family);
            });
            case Command.UDP_DATA -> {
                if (udpChannels.contains(f.channel())) {
                    listener.onUdpData(f.channel(), f.payload());
                } else {
                    listener.onWarning("UDP_DATA for closed channel " + f.channel() + " dropped");
                }
            }
            case Command.UDP_CLOSE -> {
                if (udpChannels.remove(f.channel())) listener.onUdpClose(f.channel());
            }
            default -> onChannelFrame(f);
        }
    }

    private interface Action {
        void run() throws ProtocolException;
    }

    private void requireRole(Role wanted, Frame f, Action action) throws ProtocolException {
        if (role != wanted) {
            throw new ProtocolException(Command.name(f.command()) + " sent to the " + role.name().toLowerCase()
                    + ", which only the " + wanted.name().toLowerCase() + " may receive");
        }
        action.run();
    }

    private void onTcpConnect(Frame f) throws ProtocolException {
        if (role != Role.SERVER) throw new ProtocolException("TCP_CONNECT sent to the client");
        int ch = f.channel();
        if (ch == 0) throw new ProtocolException("TCP_CONNECT on channel 0");
        if (channels.containsKey(ch)) throw new ProtocolException("TCP_CONNECT on channel " + ch + ", which is still open");
        TcpTarget target = TcpTarget.parse(f.payload());
        channels.put(ch, new TcpChannel(ch, now, config.initialWindowBytes()));
        listener.onTcpConnect(ch, target);
    }

    private void onChannelFrame(Frame f) throws ProtocolException {
        int ch = f.channel();
        TcpChannel c = channels.get(ch);
        if (c == null) {
            // classic peers send stray frames after a close; sshuttle logs and drops them
            listener.onWarning("closed channel " + ch + " got " + Command.name(f.command()) + " len=" + f.payload().length);
            return;
        }
        switch (f.command()) {
            case Command.TCP_DATA -> onData(c, f.payload());
            case Command.TCP_EOF -> {
                if (c.gotEof) throw new ProtocolException("second TCP_EOF on channel " + ch);
                c.gotEof = true;
                listener.onEof(ch);
                maybeFree(c);
            }
            case Command.TCP_STOP_SENDING -> {
                if (!c.gotStop) {
                    c.gotStop = true;
                    c.clearQueue();
                    c.eofRequested = false;
                    listener.onStopSending(ch);
                    maybeFree(c);
                }
            }
            case Command.TCP_WINDOW -> {
                if (f.payload().length != 4) throw new ProtocolException("TCP_WINDOW with " + f.payload().length + " bytes on channel " + ch);
                long increment = ByteBuffer.wrap(f.payload()).getInt() & 0xffffffffL;
                c.sendCredit += increment;
                if (c.sendCredit > 4L * config.maxWindowBytes()) {
                    throw new ProtocolException("channel " + ch + " credit grew to " + c.sendCredit + " bytes, past any window");
                }
                schedule(c);
            }
            case Command.TCP_CONNECTED -> {
                if (role != Role.CLIENT) throw new ProtocolException("TCP_CONNECTED sent to the server");
                if (c.connected) throw new ProtocolException("second TCP_CONNECTED on channel " + ch);
                c.connected = true;
                listener.onConnected(ch);
            }
            case Command.TCP_CONNECT_FAILED -> {
                if (role != Role.CLIENT) throw new ProtocolException("TCP_CONNECT_FAILED sent to the server");
                byte[] p = f.payload();
                ConnectFailure reason = p.length > 0 ? ConnectFailure.fromCode(p[0] & 0xff) : ConnectFailure.OTHER;
                String text = p.length > 1 ? new String(p, 1, p.length - 1, StandardCharsets.UTF_8) : reason.name().toLowerCase();
                forget(c);
                listener.onConnectFailed(ch, reason, text);
                listener.onChannelFreed(ch);
            }
            case Command.TCP_RESET -> {
                forget(c);
                listener.onReset(ch, f.text());
                listener.onChannelFreed(ch);
            }
            default -> throw new ProtocolException("unexpected " + Command.name(f.command()) + " on channel " + ch);
        }
    }

    private void onData(TcpChannel c, byte[] data) throws ProtocolException {
        if (c.shutRead()) {
            if (version == ProtocolVersion.V2 && c.gotEof) {
                throw new ProtocolException("TCP_DATA after TCP_EOF on channel " + c.id);
            }
            listener.onWarning("channel " + c.id + " got " + data.length + " data bytes after it stopped reading; dropped");
            return;
        }
        if (version == ProtocolVersion.V2) {
            if (data.length > c.recvCredit) {
                throw new ProtocolException("channel " + c.id + " sent " + data.length + " bytes with only "
                        + c.recvCredit + " bytes of window left");
            }
            c.recvCredit -= data.length;
            c.receivedUnconsumed += data.length;
        }
        dataBytesIn += data.length;
        listener.onData(c.id, data);
    }

    private void onPong(byte[] payload) {
        long hash = Arrays.hashCode(payload);
        for (var it = pingsInFlight.iterator(); it.hasNext(); ) {
            long[] p = it.next();
            if (p[0] == hash) {
                it.remove();
                long rtt = now - p[1];
                smoothedRttNanos = smoothedRttNanos == 0 ? rtt : (7 * smoothedRttNanos + rtt) / 8;
                listener.onPong(payload, rtt);
                break;
            }
        }
        // sshuttle: any PONG ends the latency-control wait, whatever its payload
        fullness = 0;
        tooFull = false;
    }

    // ------------------------------------------------------------------ application calls

    /** Client: opens a TCP channel to the target. Returns the channel, or -1 when none is free. */
    public int openTcp(TcpTarget target) {
        if (role != Role.CLIENT) throw new IllegalStateException("only the client opens channels");
        int ch = allocateChannel();
        if (ch < 0) return -1;
        channels.put(ch, new TcpChannel(ch, now, config.initialWindowBytes()));
        control.add(new Frame(ch, Command.TCP_CONNECT, target.encode()));
        return ch;
    }

    /** Client: sends a DNS query on a fresh channel. Returns the channel or -1. */
    public int openDns(byte[] query) {
        int ch = allocateChannel();
        if (ch < 0) return -1;
        dnsChannels.put(ch, Boolean.TRUE);
        control.add(new Frame(ch, Command.DNS_REQ, query));
        return ch;
    }

    /** Client: forget a DNS query that timed out, freeing its channel. */
    public void abandonDns(int channel) {
        if (dnsChannels.remove(channel) != null) markFreed(channel);
    }

    /**
     * Next free number after the last one handed out, skipping numbers freed less than
     * {@link #reuseDelayNanos()} ago: the peer may still have frames for the old channel in
     * flight (sent before it saw our reset, stop-sending or DNS timeout), and they must not
     * land on a new connection. Returns -1 when every number is in use or cooling down.
     */
    private int allocateChannel() {
        long coolNanos = reuseDelayNanos();
        for (int tries = 0; tries < config.maxChannel(); tries++) {
            lastChannel = lastChannel >= config.maxChannel() ? 1 : lastChannel + 1;
            if (channels.containsKey(lastChannel) || dnsChannels.containsKey(lastChannel)
                    || udpChannels.contains(lastChannel)) continue;
            long freedAt = freedAtNanos[lastChannel];
            if (freedAt != NEVER_FREED && now - freedAt < coolNanos) continue;
            return lastChannel;
        }
        return -1;
    }

    private void markFreed(int channel) {
        if (channel < freedAtNanos.length) freedAtNanos[channel] = now;
    }

    private long reuseDelayNanos() {
        return Math.max(CHANNEL_REUSE_DELAY_NANOS, 8 * smoothedRttNanos);
    }

    /**
     * Queues stream bytes for the channel. Returns how many were taken (fewer than offered when
     * the channel's send queue is full; onWritable follows when it drains). Bytes for a channel
     * the peer asked to stop sending are taken and dropped.
     */
    public int send(int channel, ByteBuffer data) {
        TcpChannel c = channels.get(channel);
        int offered = data.remaining();
        if (c == null || c.shutWrite() || c.eofRequested) {
            data.position(data.limit());
            return offered;
        }
        int room = config.sendQueueBytes() - c.queuedBytes;
        int n = Math.min(room, offered);
        if (n < offered) c.pushedBack = true;
        if (n <= 0) return 0;
        byte[] copy = new byte[n];
        data.get(copy);
        c.queue.add(ByteBuffer.wrap(copy));
        c.queuedBytes += n;
        schedule(c);
        return n;
    }

    /** The local socket reached EOF: send TCP_EOF after the queued data. */
    public void shutdownOutput(int channel) {
        TcpChannel c = channels.get(channel);
        if (c == null || c.shutWrite() || c.eofRequested) return;
        c.eofRequested = true;
        schedule(c);
    }

    /** The local socket can take no more data: ask the peer to stop sending. */
    public void stopSending(int channel) {
        TcpChannel c = channels.get(channel);
        if (c == null || c.sentStop) return;
        c.sentStop = true;
        control.add(new Frame(channel, Command.TCP_STOP_SENDING, new byte[0]));
        maybeFree(c);
    }

    /** The local socket was reset (or we give up on it): abort the channel on both sides. */
    public void reset(int channel, String why) {
        TcpChannel c = channels.get(channel);
        if (c == null) return;
        if (version == ProtocolVersion.V2) {
            control.add(Frame.of(channel, Command.TCP_RESET, why == null ? "" : why));
        } else {
            // classic has no reset: say EOF and stop-sending, as sshuttle does on socket errors
            if (!c.sentEof && !c.gotStop) control.add(new Frame(channel, Command.TCP_EOF, new byte[0]));
            if (!c.sentStop) control.add(new Frame(channel, Command.TCP_STOP_SENDING, new byte[0]));
        }
        release(c);
    }

    /** The listener wrote {@code bytes} of received data to the local socket: grant credit back. */
    public void consumed(int channel, int bytes) {
        TcpChannel c = channels.get(channel);
        if (c == null || version != ProtocolVersion.V2 || bytes <= 0) return;
        c.receivedUnconsumed -= bytes;
        c.unackedConsumed += bytes;
        c.consumedSinceGrant += bytes;
        probeRtt();
        if (c.unackedConsumed >= c.windowTarget / 4 || c.receivedUnconsumed == 0 && c.recvCredit < c.windowTarget / 2) {
            grant(c);
        }
    }

    /**
     * Autotuning compares the consumption rate with the round trip, so a mux that receives data
     * measures it (at most once a second): without a sample, windows would never grow.
     */
    private void probeRtt() {
        if (rttProbed && now - lastRttProbeNanos < RTT_PROBE_INTERVAL_NANOS) return;
        rttProbed = true;
        lastRttProbeNanos = now;
        ping(RTT_PROBE);
    }

    private void grant(TcpChannel c) {
        long increment = c.unackedConsumed;
        long elapsed = Math.max(1, now - c.lastGrantNanos);
        if (smoothedRttNanos > 0 && c.windowTarget < config.maxWindowBytes()) {
            // bandwidth-delay product estimate: if two round trips' worth exceeds the window, grow it
            double bytesPerNano = (double) c.consumedSinceGrant / elapsed;
            if (bytesPerNano * 2 * smoothedRttNanos > c.windowTarget) {
                long grown = Math.min(config.maxWindowBytes(), c.windowTarget * 2);
                increment += grown - c.windowTarget;
                c.windowTarget = grown;
            }
        }
        c.unackedConsumed = 0;
        c.consumedSinceGrant = 0;
        c.lastGrantNanos = now;
        c.recvCredit += increment;
        while (increment > 0) {
            long part = Math.min(increment, 0xffffffffL);
            control.add(new Frame(c.id, Command.TCP_WINDOW, ByteBuffer.allocate(4).putInt((int) part).array()));
            increment -= part;
        }
    }

    /** Server: the outbound connect for the channel succeeded. */
    public void connected(int channel) {
        TcpChannel c = channels.get(channel);
        if (c == null) return;
        c.connected = true;
        if (version == ProtocolVersion.V2) control.add(new Frame(channel, Command.TCP_CONNECTED, new byte[0]));
    }

    /** Server: the outbound connect failed. Frees the channel. */
    public void connectFailed(int channel, ConnectFailure reason, String message) {
        TcpChannel c = channels.get(channel);
        if (c == null) return;
        if (version == ProtocolVersion.V2) {
            byte[] text = (message == null ? "" : message).getBytes(StandardCharsets.UTF_8);
            byte[] payload = new byte[1 + Math.min(text.length, 1000)];
            payload[0] = (byte) reason.code;
            System.arraycopy(text, 0, payload, 1, payload.length - 1);
            control.add(new Frame(channel, Command.TCP_CONNECT_FAILED, payload));
        } else {
            // sshuttle's server: TCP_EOF then TCP_STOP_SENDING, no reason on the wire
            control.add(new Frame(channel, Command.TCP_EOF, new byte[0]));
            control.add(new Frame(channel, Command.TCP_STOP_SENDING, new byte[0]));
        }
        release(c);
    }

    public void sendRoutes(String routes) {
        control.add(Frame.of(0, Command.ROUTES, routes));
    }

    public void sendHostRequest(String seeds) {
        control.add(Frame.of(0, Command.HOST_REQ, seeds));
    }

    public void sendHostList(String hosts) {
        control.add(Frame.of(0, Command.HOST_LIST, hosts));
    }

    /** Server: a datagram for an open UDP channel ("ip,port," + data, the source of the reply). */
    public void sendUdpData(int channel, byte[] payload) {
        if (udpChannels.contains(channel)) control.add(new Frame(channel, Command.UDP_DATA, payload));
    }

    public void sendDnsResponse(int channel, byte[] reply) {
        if (dnsChannels.remove(channel) != null) control.add(new Frame(channel, Command.DNS_RESPONSE, reply));
    }

    /** Sends a PING; its PONG is reported with the measured round trip. */
    public void ping(byte[] payload) {
        if (pingsInFlight.size() >= MAX_PINGS_TRACKED) pingsInFlight.poll();
        pingsInFlight.add(new long[] {Arrays.hashCode(payload), now});
        control.add(new Frame(0, Command.PING, payload));
    }

    public void sendExit() {
        control.add(new Frame(0, Command.EXIT, new byte[0]));
    }

    // ------------------------------------------------------------------ time

    /** Advances time: keepalive. Call at {@link #nextDeadline()} or whenever convenient. */
    public void tick(long nowNanos) {
        now = nowNanos;
        if (config.keepaliveIntervalNanos() <= 0) return;
        long silent = now - lastInputNanos;
        if (config.keepaliveTimeoutNanos() > 0 && silent >= config.keepaliveTimeoutNanos()) {
            if (!keepaliveFired) {
                keepaliveFired = true;
                listener.onKeepaliveTimeout(silent);
            }
            return;
        }
        if (silent >= config.keepaliveIntervalNanos() && !keepaliveOutstanding) {
            keepaliveOutstanding = true;
            ping(KEEPALIVE);
        }
    }

    /** When tick() next has something to do; Long.MAX_VALUE for never. */
    public long nextDeadline() {
        if (config.keepaliveIntervalNanos() <= 0 || keepaliveFired) return Long.MAX_VALUE;
        if (!keepaliveOutstanding) return lastInputNanos + config.keepaliveIntervalNanos();
        return config.keepaliveTimeoutNanos() > 0 ? lastInputNanos + config.keepaliveTimeoutNanos() : Long.MAX_VALUE;
    }

    // ------------------------------------------------------------------ output

    /** True when drainTo would write something now. */
    public boolean hasOutput() {
        if (staging.hasRemaining() || !control.isEmpty()) return true;
        for (TcpChannel c : newFlows) if (canSend(c)) return true;
        for (TcpChannel c : oldFlows) if (canSend(c)) return true;
        return false;
    }

    /** Writes outgoing bytes into {@code out} (frames may be split across calls). Returns bytes written. */
    public int drainTo(ByteBuffer out, long nowNanos) {
        now = nowNanos;
        int written = 0;
        while (out.hasRemaining()) {
            if (!staging.hasRemaining() && !stageNextFrame()) break;
            int n = Math.min(out.remaining(), staging.remaining());
            int limit = staging.limit();
            staging.limit(staging.position() + n);
            out.put(staging);
            staging.limit(limit);
            written += n;
        }
        bytesOut += written;
        return written;
    }

    private boolean stageNextFrame() {
        staging.clear();
        Frame f = control.poll();
        if (f != null) {
            FrameEncoder.write(staging, f);
            countSent(f.payload().length);
        } else if (!stageData()) {
            staging.flip();
            return false;
        }
        staging.flip();
        if (version == ProtocolVersion.V1 && config.latencyControl() && !tooFull && fullness > config.latencyBufferBytes()) {
            tooFull = true;
            ping(RTTEST);
        }
        return true;
    }

    private void countSent(int payloadBytes) {
        fullness += payloadBytes;
    }

    private boolean dataBlocked() {
        return version == ProtocolVersion.V1 && config.latencyControl() && tooFull;
    }

    private boolean canSend(TcpChannel c) {
        return wantsToSend(c) && !(c.queuedBytes > 0 && dataBlocked());
    }

    /** Has data with credit, or an EOF, to send; latency control may still hold the data back. */
    private boolean wantsToSend(TcpChannel c) {
        if (c.queuedBytes > 0) return version == ProtocolVersion.V1 || c.sendCredit > 0;
        return c.eofRequested && !c.sentEof;
    }

    private void schedule(TcpChannel c) {
        // a channel that gets data while latency control waits for its PONG must join the
        // rotation now: nothing else would put it there once the PONG arrives
        if (!c.scheduled && wantsToSend(c)) {
            c.scheduled = true;
            c.deficit = QUANTUM_BYTES;
            newFlows.add(c);
        }
    }

    /** Picks the next channel frame: new flows first, then old flows, deficit round robin. */
    private boolean stageData() {
        for (int guard = newFlows.size() + oldFlows.size() + 1; guard > 0; guard--) {
            boolean fromNew = !newFlows.isEmpty();
            TcpChannel c = fromNew ? newFlows.peek() : oldFlows.peek();
            if (c == null) return false;
            if (channels.get(c.id) != c || !canSend(c)) {
                // idle, blocked on credit/latency control, or gone: leave the rotation until schedule()
                (fromNew ? newFlows : oldFlows).poll();
                c.scheduled = false;
                if (dataBlocked() && c.queuedBytes > 0 && channels.get(c.id) == c) {
                    // keep it in line: latency control blocks every channel alike
                    c.scheduled = true;
                    oldFlows.add(c);
                    return false;
                }
                continue;
            }
            if (c.deficit <= 0) {
                (fromNew ? newFlows : oldFlows).poll();
                c.deficit += QUANTUM_BYTES;
                oldFlows.add(c);
                continue;
            }
            int sent = stageFrom(c);
            c.deficit -= sent;
            return true;
        }
        return false;
    }

    private int stageFrom(TcpChannel c) {
        if (c.queuedBytes == 0) {
            // queue drained and EOF requested
            FrameEncoder.writeHeader(staging, c.id, Command.TCP_EOF, 0);
            c.sentEof = true;
            c.eofRequested = false;
            maybeFree(c);
            return 1;
        }
        int max = version == ProtocolVersion.V2 ? V2_DATA_FRAME : V1_DATA_FRAME;
        long allowed = version == ProtocolVersion.V2 ? Math.min(max, c.sendCredit) : max;
        int n = (int) Math.min(allowed, c.queuedBytes);
        FrameEncoder.writeHeader(staging, c.id, Command.TCP_DATA, n);
        int left = n;
        while (left > 0) {
            ByteBuffer head = c.queue.peek();
            int take = Math.min(left, head.remaining());
            int limit = head.limit();
            head.limit(head.position() + take);
            staging.put(head);
            head.limit(limit);
            if (!head.hasRemaining()) c.queue.poll();
            left -= take;
        }
        c.queuedBytes -= n;
        if (version == ProtocolVersion.V2) c.sendCredit -= n;
        dataBytesOut += n;
        countSent(n);
        if (c.pushedBack && c.queuedBytes <= config.sendQueueBytes() / 2) {
            c.pushedBack = false;
            listener.onWritable(c.id);
        }
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
        if (channels.get(c.id) != c) return false;
        channels.remove(c.id);
        markFreed(c.id);
        c.clearQueue();
        c.eofRequested = false;
        return true;
    }

    // ------------------------------------------------------------------ inspection (tests, stats)

    public boolean isOpen(int channel) {
        return channels.containsKey(channel);
    }

    public int openChannelCount() {
        return channels.size() + dnsChannels.size() + udpChannels.size();
    }

    /** Bytes queued to send on the channel (not yet framed). */
    public int queuedBytes(int channel) {
        TcpChannel c = channels.get(channel);
        return c == null ? 0 : c.queuedBytes;
    }

    /** 0002: credit the peer still has on this channel (what it may send before we grant more). */
    public long receiveCredit(int channel) {
        TcpChannel c = channels.get(channel);
        return c == null ? 0 : c.recvCredit;
    }

    /** 0002: the channel's current receive window (autotuned). */
    public long receiveWindow(int channel) {
        TcpChannel c = channels.get(channel);
        return c == null ? 0 : c.windowTarget;
    }

    /** 0002: bytes delivered to the listener and not yet reported consumed. */
    public long unconsumedBytes(int channel) {
        TcpChannel c = channels.get(channel);
        return c == null ? 0 : c.receivedUnconsumed;
    }

    public long smoothedRttNanos() { return smoothedRttNanos; }

    public long bytesOut() { return bytesOut; }

    public long bytesIn() { return bytesIn; }

    public long dataBytesOut() { return dataBytesOut; }

    public long dataBytesIn() { return dataBytesIn; }

    public boolean exited() { return exited; }

    public MuxConfig config() { return config; }
}
