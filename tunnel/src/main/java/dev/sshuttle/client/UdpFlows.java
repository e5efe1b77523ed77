package dev.sshuttle.client;

import dev.sshuttle.io.EventLoop;
import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.UdpPayload;
import dev.sshuttle.sys.NativeIOException;
import dev.sshuttle.sys.SocketOptions;
import dev.sshuttle.sys.TproxyDatagrams;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * --method tproxy, UDP: the transparent UDP listeners TPROXY hands captured datagrams to, and
 * one flow per application socket (its source address), carried on one UDP channel as in
 * sshuttle: UDP_OPEN, then UDP_DATA "ip,port,data" naming the original destination each way.
 * <p>
 * A reply goes back from the address it came from: a transparent socket bound to that remote
 * address and connected to the application. That socket stays open while the flow lives, and
 * netfilter's socket match delivers the application's later datagrams to that peer to it, so
 * it is read too. A flow idle for {@code idleNanos} is closed (UDP_CLOSE); at most
 * {@code maxFlows} exist at once, datagrams of new flows past that are dropped with a log line.
 * Loop thread only, except {@link #bind} and {@link #close}.
 */
public final class UdpFlows implements AutoCloseable {
    /** Reply sockets one flow keeps; replies from further peers use a socket each time (sshuttle's way). */
    static final int MAX_PEERS_PER_FLOW = 64;
    private static final int BATCH = 64;

    private final List<TproxyDatagrams> listeners;
    private final long idleNanos;
    private final int maxFlows;
    private final TunnelClient.Log log;
    private final Map<InetSocketAddress, Flow> bySource = new HashMap<>();
    private final Map<Integer, Flow> byChannel = new HashMap<>();
    private EventLoop loop;
    private Mux mux;
    private long refusedFlows;

    private final class Flow {
        final int channel;
        final InetSocketAddress source;
        final boolean v6;
        final Map<InetSocketAddress, DatagramChannel> peers = new LinkedHashMap<>();
        long lastActiveNanos;
        boolean closed;

        Flow(int channel, InetSocketAddress source, boolean v6) {
            this.channel = channel;
            this.source = source;
            this.v6 = v6;
        }
    }

    private UdpFlows(List<TproxyDatagrams> listeners, long idleNanos, int maxFlows, TunnelClient.Log log) {
        this.listeners = listeners;
        this.idleNanos = idleNanos;
        this.maxFlows = maxFlows;
        this.log = log;
    }

    /** Binds a transparent UDP socket on each address at the port. Needs CAP_NET_ADMIN (root). */
    public static UdpFlows bind(List<InetSocketAddress> addresses, int port, long idleNanos, int maxFlows,
                                TunnelClient.Log log) throws IOException {
        List<TproxyDatagrams> bound = new ArrayList<>();
        try {
            for (InetSocketAddress a : addresses) {
                boolean v6 = a.getAddress() instanceof Inet6Address;
                DatagramChannel ch = DatagramChannel.open(v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
                try {
                    if (v6) SocketOptions.setIpv6Only(ch);
                    transparent(ch);
                    ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    TproxyDatagrams d = TproxyDatagrams.enable(ch);
                    bound.add(d);
                    ch.bind(new InetSocketAddress(a.getAddress(), port));
                } catch (IOException e) {
                    ch.close();
                    throw e;
                }
            }
            return new UdpFlows(bound, idleNanos, maxFlows, log);
        } catch (IOException e) {
            for (TproxyDatagrams d : bound) closeQuietly(d.channel());
            throw new IOException("cannot listen for UDP on port " + port + ": " + e.getMessage(), e);
        }
    }

    /** IP_TRANSPARENT, with the one likely failure said in words. */
    static void transparent(java.nio.channels.NetworkChannel ch) throws IOException {
        try {
            SocketOptions.setIpTransparent(ch);
        } catch (NativeIOException e) {
            if (e.errno() == dev.sshuttle.sys.Errno.EPERM) {
                throw new IOException("--method tproxy needs the client itself to run as root (IP_TRANSPARENT needs CAP_NET_ADMIN)", e);
            }
            throw e;
        }
    }

    /** Starts serving one session's datagrams on its loop and mux. Loop thread. */
    public void start(EventLoop sessionLoop, Mux sessionMux) {
        this.loop = sessionLoop;
        this.mux = sessionMux;
        for (TproxyDatagrams d : listeners) loop.register(d.channel(), SelectionKey.OP_READ, k -> readCaptured(d));
    }

    private void readCaptured(TproxyDatagrams listener) throws IOException {
        for (int i = 0; i < BATCH; i++) {
            TproxyDatagrams.Datagram d = listener.receive();
            if (d == null) return;
            if (d.data() == null || d.destination() == null) {
                log.log(2, "UDP: dropping a datagram from " + d.source() + " (too big, or no original destination)");
                continue;
            }
            Flow flow = bySource.get(d.source());
            if (flow == null) flow = open(d.source(), listener.family());
            if (flow != null) forward(flow, d.destination(), d.data());
        }
    }

    private Flow open(InetSocketAddress source, int family) {
        if (bySource.size() >= maxFlows) {
            if (refusedFlows++ % 1000 == 0) {
                log.log(0, "UDP: " + maxFlows + " flows open; dropping datagrams of new ones (" + refusedFlows + " so far)");
            }
            return null;
        }
        int ch = mux.openUdp(family);
        if (ch < 0) {
            log.log(1, "UDP: no free channel; dropping a datagram from " + source);
            return null;
        }
        Flow flow = new Flow(ch, source, family != 2);
        bySource.put(source, flow);
        byChannel.put(ch, flow);
        flow.lastActiveNanos = EventLoop.now();
        if (log.shows(2)) log.log(2, "UDP channel " + ch + ": flow from " + source);
        loop.scheduleAt(flow.lastActiveNanos + idleNanos, () -> expireIfIdle(flow));
        return flow;
    }

    private void forward(Flow flow, InetSocketAddress destination, byte[] data) {
        flow.lastActiveNanos = EventLoop.now();
        byte[] payload = UdpPayload.encode(destination, data, 0, data.length);
        if (payload != null) mux.sendUdpData(flow.channel, payload); // null: cannot be framed (near 64 KiB)
    }

    private void expireIfIdle(Flow flow) {
        if (flow.closed) return;
        long now = EventLoop.now();
        if (now - flow.lastActiveNanos < idleNanos) {
            loop.scheduleAt(flow.lastActiveNanos + idleNanos, () -> expireIfIdle(flow));
            return;
        }
        if (log.shows(2)) log.log(2, "UDP channel " + flow.channel + ": idle, closed");
        mux.closeUdp(flow.channel);
        discard(flow);
    }

    /** A datagram from the remote side: "ip,port,data", ip:port the peer that sent it. Loop thread. */
    public void onData(int channel, byte[] payload) {
        Flow flow = byChannel.get(channel);
        if (flow == null) return;
        UdpPayload.Parsed parsed;
        try {
            parsed = UdpPayload.parse(payload);
            if ((parsed.address().getAddress() instanceof Inet6Address) != flow.v6) {
                throw new IllegalArgumentException("address of the other family");
            }
        } catch (IllegalArgumentException e) {
            log.log(1, "UDP channel " + channel + ": reply dropped: " + e.getMessage());
            return;
        }
        flow.lastActiveNanos = EventLoop.now();
        InetSocketAddress peer = parsed.address();
        ByteBuffer data = parsed.data();
        try {
            DatagramChannel from = flow.peers.get(peer);
            if (from == null && flow.peers.size() < MAX_PEERS_PER_FLOW) from = openPeer(flow, peer);
            if (from != null) {
                from.write(data);
            } else {
                try (DatagramChannel once = replySocket(flow, peer)) {
                    once.write(data);
                }
            }
        } catch (IOException e) {
            log.log(1, "UDP channel " + channel + ": cannot reply from " + peer + " to " + flow.source + ": " + e.getMessage());
        }
    }

    private DatagramChannel openPeer(Flow flow, InetSocketAddress peer) throws IOException {
        DatagramChannel s = replySocket(flow, peer);
        flow.peers.put(peer, s);
        ByteBuffer buf = ByteBuffer.allocate(TproxyDatagrams.MAX_DATAGRAM);
        loop.register(s, SelectionKey.OP_READ, k -> {
            // the application's next datagrams to this peer (netfilter's socket match brings them here)
            for (int i = 0; i < BATCH && !flow.closed; i++) {
                buf.clear();
                int n;
                try {
                    n = s.read(buf);
                } catch (IOException e) {
                    return; // ICMP unreachable from the application's side: nothing to forward
                }
                if (n <= 0) return;
                forward(flow, peer, java.util.Arrays.copyOf(buf.array(), n));
            }
        });
        return s;
    }

    /** A socket with the peer's address, connected to the application. */
    private static DatagramChannel replySocket(Flow flow, InetSocketAddress peer) throws IOException {
        DatagramChannel s = DatagramChannel.open(flow.v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        try {
            s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            transparent(s);
            s.bind(peer);
            s.connect(flow.source);
            s.configureBlocking(false);
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private void discard(Flow flow) {
        flow.closed = true;
        bySource.remove(flow.source);
        byChannel.remove(flow.channel);
        for (DatagramChannel s : flow.peers.values()) closeQuietly(s);
        flow.peers.clear();
    }

    /** The session ended: every flow goes (the next session opens new ones). Loop thread. */
    public void endSession() {
        for (Flow flow : new ArrayList<>(bySource.values())) discard(flow);
    }

    /** Flows open now (tests, status). */
    public int flowCount() {
        return bySource.size();
    }

    @Override
    public void close() {
        for (Flow flow : new ArrayList<>(bySource.values())) discard(flow);
        for (TproxyDatagrams d : listeners) {
            closeQuietly(d.channel());
            d.release();
        }
    }

    private static void closeQuietly(java.nio.channels.Channel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
