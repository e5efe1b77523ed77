package dev.sshuttle.client;

import dev.sshuttle.io.Bridges;
import dev.sshuttle.io.LocalSockets;
import dev.sshuttle.io.EventLoop;
import dev.sshuttle.io.MuxDriver;
import dev.sshuttle.io.NioSocket;
import dev.sshuttle.io.NioStream;
import dev.sshuttle.io.StreamEnd;
import dev.sshuttle.io.StripedStream;
import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.mux.ProtocolException;
import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.mux.SyncHeaderReader;
import dev.sshuttle.mux.TcpTarget;
import dev.sshuttle.startup.StartTimeline;
import dev.sshuttle.stripe.StripeClient;
import dev.sshuttle.io.StreamChannels;
import dev.sshuttle.transport.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One client session: uploads the agent, reads its sync header, runs the mux over the
 * transport, installs the firewall once the server's ROUTES arrived, and bridges every
 * accepted connection to a channel. Blocking {@link #run()} returns how the session ended.
 */
public final class ClientSession {
    /** What the session needs from the outside world. */
    public interface Hooks {
        /** The server is ready (its ROUTES arrived): install the firewall for this listener port. */
        void serverReady(int listenerPort, String routes) throws Exception;

        /** A log line at a verbosity level (1 = -v, 2 = -vv). */
        void log(int level, String message);

        /** The server's HOST_LIST text (-H, --seed-hosts). Event loop thread. */
        default void hostList(String text) {}

        /** Whether that level is shown (so a per-connection line is not built for nothing). */
        default boolean shows(int level) {
            return true;
        }
    }

    public enum Reason { STOPPED, TRANSPORT_CLOSED, PROTOCOL_ERROR, KEEPALIVE_TIMEOUT, SETUP_FAILED, INTERNAL_ERROR }

    /** How it ended; remoteExitCode is the ssh/agent process's code when it ended, else -1. */
    public record End(Reason reason, String message, int remoteExitCode, boolean wasConnected) {}

    private static final byte[] CHICKEN = "chicken".getBytes(StandardCharsets.US_ASCII);
    private static final long TICK_NANOS = 250_000_000L;
    /**
     * Our agents and sshuttle's server send ROUTES right after their first PING (with -N after
     * listing the routes, a fork of `ip route` or netstat): a server that has not in this long
     * answers PINGs, perhaps, but will never let the session start.
     */
    static final Duration ROUTES_TIMEOUT = Duration.ofSeconds(30);

    private final Transport transport;
    private final byte[] preamble;
    private final MuxConfig config;
    private final TransparentListener listener;
    private final DestinationLookup lookup;
    private final Hooks hooks;
    private final CompletableFuture<End> end = new CompletableFuture<>();
    private final CompletableFuture<String> routes = new CompletableFuture<>();
    private volatile boolean connected;
    private volatile ProtocolVersion version;
    private volatile EventLoop loop;
    private volatile Bridges bridges;
    private DnsListener dns;
    private StripeClient stripe;
    private List<StreamChannels> extraLanes = List.of();
    private UdpFlows udp;
    private String hostRequest;
    private Duration routesTimeout = ROUTES_TIMEOUT;
    private boolean firstAccepted; // event loop only
    private boolean firstByte; // event loop only
    /** Where each open TCP channel goes and since when, for status. Event loop only. */
    private final java.util.Map<Integer, Opened> opened = new java.util.HashMap<>();

    private record Opened(String destination, long sinceNanos) {}

    /** A status view of this session, taken on its loop. */
    public record View(long rttNanos, long bytesOut, long bytesIn, int udpFlows, java.util.List<TunnelStatus.Connection> connections) {}

    public ClientSession(Transport transport, byte[] preamble, MuxConfig config, TransparentListener listener,
                         DestinationLookup lookup, Hooks hooks) {
        this.transport = transport;
        this.preamble = preamble;
        this.config = config;
        this.listener = listener;
        this.lookup = lookup;
        this.hooks = hooks;
    }

    public End run() {
        Thread upload = Thread.ofVirtual().name("agent-upload").start(this::upload);
        ByteBuffer leftover;
        try {
            HeaderResult header = readHeader(transport.in());
            if (header == null) return finishBeforeConnect("the remote side closed before the sshuttle agent started");
            version = header.version;
            leftover = header.leftover;
            // the agent writes its header only after reading the whole preamble, so the upload
            // is over (or about to return); the loop must be the stream's only writer from now on
            if (!upload.join(Duration.ofSeconds(10))) {
                return finishBeforeConnect("sending the agent to " + transport.describe() + " did not finish");
            }
        } catch (ProtocolException e) {
            return finishBeforeConnect(e.getMessage());
        } catch (IOException e) {
            return finishBeforeConnect("reading from " + transport.describe() + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return finishBeforeConnect("interrupted while starting the agent");
        }
        StartTimeline.mark("the agent answered (sync header)");
        hooks.log(1, "connected to the agent (protocol " + version.magic() + ")");
        if (stripe != null && version == ProtocolVersion.V2) {
            try {
                StripeClient.LaneOpener own = transport.laneOpener(stripe.remoteSocket());
                StripeClient.Outcome o = own == null
                        ? stripe.negotiate(leftover, transport.in(), transport.out(), m -> hooks.log(2, m))
                        : stripe.negotiate(leftover, transport.in(), transport.out(), m -> hooks.log(2, m), own);
                extraLanes = o.lanes();
                leftover = o.rest();
                hooks.log(1, o.summary());
            } catch (ProtocolException e) {
                return finishBeforeConnect("stripe handshake: " + e.getMessage());
            } catch (IOException e) {
                return finishBeforeConnect("stripe handshake with " + transport.describe() + " failed: " + e.getMessage());
            }
        }
        try {
            loop = new EventLoop("client-loop", t -> end(new End(Reason.INTERNAL_ERROR, "internal error: " + t, -1, connected)));
        } catch (IOException e) {
            closeExtraLanes();
            return new End(Reason.SETUP_FAILED, "cannot start the event loop: " + e.getMessage(), -1, false);
        }
        try (EventLoop ignored = loop) {
            startMux(leftover);
            loop.start();
            String routeText = awaitRoutes();
            if (routeText != null) {
                StartTimeline.mark("the agent's ROUTES arrived");
                try {
                    hooks.serverReady(listener.port(), routeText);
                    connected = true;
                    loop.execute(this::startAccepting);
                } catch (Exception e) {
                    end(new End(Reason.SETUP_FAILED, e.getMessage(), -1, false));
                }
            }
            End result = end.join();
            // runs before close() returns, so before TunnelClient removes the rules: a close sent
            // once the REDIRECT rule is gone never reaches the application, which then hangs
            loop.execute(bridges::abortAll);
            if (udp != null) loop.execute(udp::endSession);
            if (result.reason() == Reason.TRANSPORT_CLOSED) {
                int code = transport.awaitExit(Duration.ofSeconds(3));
                result = new End(result.reason(), result.message(), code, connected);
            }
            return result;
        } finally {
            closeExtraLanes();
        }
    }

    private void closeExtraLanes() {
        extraLanes.forEach(StreamChannels::close);
    }

    /** Stripe the mux over extra ssh channels if the agent offers them (--channels). Call before run(). */
    public ClientSession withStripe(StripeClient client) {
        this.stripe = client;
        return this;
    }

    /** Also serve DNS queries redirected to this listener (--dns). Call before run(). */
    public ClientSession withDns(DnsListener listener) {
        this.dns = listener;
        return this;
    }

    /** -H / --seed-hosts: ask the server's hostwatch for names (seeds: newline-separated, may be empty). */
    public ClientSession withHostRequest(String seeds) {
        this.hostRequest = seeds;
        return this;
    }

    /** Also carry the UDP flows TPROXY captures (--method tproxy). Call before run(). */
    public ClientSession withUdp(UdpFlows flows) {
        this.udp = flows;
        return this;
    }

    /** How long to wait for the server's ROUTES after its sync header (tests shorten it). Call before run(). */
    ClientSession withRoutesTimeout(Duration timeout) {
        this.routesTimeout = timeout;
        return this;
    }

    /** Ends the session (signal, user request). Safe from any thread. */
    public void stop() {
        end(new End(Reason.STOPPED, "stopped", -1, connected));
    }

    public boolean isConnected() {
        return connected;
    }

    public ProtocolVersion version() {
        return version;
    }

    private void end(End e) {
        end.complete(e);
        routes.complete(null);
    }

    private End finishBeforeConnect(String message) {
        int code = transport.awaitExit(Duration.ofSeconds(5));
        return new End(Reason.TRANSPORT_CLOSED, message, code, false);
    }

    private void upload() {
        try {
            OutputStream out = transport.out();
            out.write(preamble);
            out.flush();
        } catch (IOException e) {
            hooks.log(1, "sending the agent failed: " + e.getMessage());
        }
    }

    private record HeaderResult(ProtocolVersion version, ByteBuffer leftover) {}

    private static HeaderResult readHeader(InputStream in) throws IOException, ProtocolException {
        SyncHeaderReader reader = new SyncHeaderReader();
        byte[] buf = new byte[8192];
        while (true) {
            int n = in.read(buf);
            if (n < 0) return null;
            ByteBuffer chunk = ByteBuffer.wrap(buf, 0, n);
            ProtocolVersion v = reader.feed(chunk);
            if (v != null) {
                ByteBuffer rest = ByteBuffer.allocate(chunk.remaining()).put(chunk).flip();
                return new HeaderResult(v, rest);
            }
        }
    }

    private void startMux(ByteBuffer leftover) {
        MuxDriver[] driver = new MuxDriver[1];
        bridges = new Bridges(loop, null, m -> hooks.log(2, m)) {
            @Override
            public void onRoutes(String text) {
                routes.complete(text);
            }

            @Override
            public void onData(int channel, ByteBuffer data) {
                if (!firstByte) {
                    firstByte = true;
                    StartTimeline.firstTunnelledByte();
                }
                super.onData(channel, data);
            }

            @Override
            public void onChannelFreed(int channel) {
                super.onChannelFreed(channel);
                opened.remove(channel);
            }

            @Override
            public void onHostList(String text) {
                hooks.hostList(text);
            }

            @Override
            public void onUdpData(int channel, byte[] payload) {
                if (udp != null) udp.onData(channel, payload);
            }

            @Override
            public void onDnsResponse(int channel, byte[] reply) {
                if (dns != null) dns.onResponse(channel, reply);
            }

            @Override
            public void onKeepaliveTimeout(long silentNanos) {
                end(new End(Reason.KEEPALIVE_TIMEOUT, "the server has been silent for "
                        + Duration.ofNanos(silentNanos).toSeconds() + " s: the connection is dead", -1, connected));
            }

            @Override
            public void onExit() {
                end(new End(Reason.TRANSPORT_CLOSED, "the server ended the session", -1, connected));
            }
        };
        StreamEnd stream = new NioStream(loop, transport.channels());
        if (!extraLanes.isEmpty()) {
            List<NioStream> lanes = new ArrayList<>(List.of((NioStream) stream));
            extraLanes.forEach(ch -> lanes.add(new NioStream(loop, ch)));
            StripedStream striped = new StripedStream(lanes, loop::execute);
            striped.preload(0, leftover);
            leftover = null;
            stream = striped;
        }
        ByteBuffer firstBytes = leftover;
        driver[0] = new MuxDriver(loop, stream, bridges, new MuxDriver.Events() {
            public void onTransportClosed(String why) {
                end(new End(Reason.TRANSPORT_CLOSED, why, -1, connected));
            }

            public void onProtocolError(ProtocolException e) {
                end(new End(Reason.PROTOCOL_ERROR, "protocol error from the server: " + e.getMessage(), -1, connected));
            }
        });
        loop.execute(() -> {
            MuxConfig muxConfig = extraLanes.isEmpty() ? config : config.withInFlightGain(MuxConfig.STRIPED_IN_FLIGHT_GAIN);
            Mux mux = new Mux(Mux.Role.CLIENT, version, muxConfig, bridges, EventLoop.now());
            bridges.attach(mux);
            mux.ping(CHICKEN);
            loop.setIterationHook(driver[0]::flush);
            driver[0].start(mux, firstBytes);
            tick();
        });
    }

    private void tick() {
        bridges.mux().tick(EventLoop.now());
        loop.scheduleAt(EventLoop.now() + TICK_NANOS, this::tick);
    }

    private String awaitRoutes() {
        try {
            return routes.get(routesTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            end(new End(Reason.PROTOCOL_ERROR, "the server sent no ROUTES within " + routesTimeout.toSeconds()
                    + " s of its sync header: it is not a working sshuttle server", -1, false));
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            end(new End(Reason.STOPPED, "interrupted", -1, false));
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return null; // never: nothing completes it exceptionally
        }
    }

    private void startAccepting() {
        for (ServerSocketChannel server : listener.sockets()) {
            loop.register(server, SelectionKey.OP_ACCEPT, key -> acceptFrom(server, key));
        }
        if (dns != null) dns.start(loop, bridges.mux());
        if (udp != null) udp.start(loop, bridges.mux());
        if (hostRequest != null) bridges.mux().sendHostRequest(hostRequest);
        StartTimeline.mark("accepting connections");
        hooks.log(1, "listening on " + listener.addresses() + (dns == null ? "" : ", DNS on port " + dns.port()));
    }

    private void acceptFrom(ServerSocketChannel server, SelectionKey key) {
        for (int i = 0; i < 64; i++) { // bounded batch: other sockets get their turn
            SocketChannel s;
            try {
                s = listener.accept(server);
            } catch (TransparentListener.OutOfDescriptorsException e) {
                hooks.log(0, e.getMessage());
                key.interestOps(0);
                loop.scheduleAt(EventLoop.now() + 100_000_000L, () -> {
                    if (key.isValid()) key.interestOps(SelectionKey.OP_ACCEPT);
                });
                return;
            } catch (IOException e) {
                hooks.log(1, "accept failed: " + e.getMessage());
                return;
            }
            if (s == null) return;
            bridge(s);
        }
    }

    private void bridge(SocketChannel s) {
        try {
            InetSocketAddress dst = lookup.originalDestination(s);
            if (listener.isSelf(dst)) {
                hooks.log(1, "refusing a connection to my own listener " + dst + " (loop guard)");
                LocalSockets.reset(s);
                return;
            }
            boolean v6 = dst.getAddress() instanceof Inet6Address;
            String ip = dst.getAddress().getHostAddress();
            int pct = ip.indexOf('%');
            if (pct >= 0) ip = ip.substring(0, pct);
            int channel = bridges.mux().openTcp(new TcpTarget(v6, ip, dst.getPort()));
            if (channel < 0) {
                hooks.log(0, "too many open channels: refusing a connection to " + dst);
                LocalSockets.reset(s);
                return;
            }
            if (!firstAccepted) {
                firstAccepted = true;
                StartTimeline.mark("first connection accepted");
            }
            opened.put(channel, new Opened((v6 ? "[" + ip + "]" : ip) + ":" + dst.getPort(), EventLoop.now()));
            if (hooks.shows(2)) hooks.log(2, "channel " + channel + ": " + s.getRemoteAddress() + " -> " + dst);
            bridges.bridgeAccepted(channel, NioSocket.of(loop, s));
        } catch (IOException e) {
            hooks.log(1, "dropping an accepted connection: " + e.getMessage());
            LocalSockets.reset(s);
        }
    }

    /**
     * The session as the loop sees it now (any thread); null before the mux runs or when the
     * loop does not answer within 2 s.
     */
    public View view() {
        EventLoop l = loop;
        if (l == null || bridges == null) return null;
        java.util.concurrent.CompletableFuture<View> v = new java.util.concurrent.CompletableFuture<>();
        try {
            l.execute(() -> snapshot(v));
        } catch (RuntimeException closed) {
            return null;
        }
        try {
            return v.get(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Loop thread: the view, into v. */
    private void snapshot(java.util.concurrent.CompletableFuture<View> v) {
        Mux mux = bridges.mux();
        if (mux == null) {
            v.complete(null);
            return;
        }
        long now = EventLoop.now();
        java.util.List<TunnelStatus.Connection> conns = new java.util.ArrayList<>();
        bridges.forEachOpen((channel, up, down) -> {
            Opened o = opened.get(channel);
            if (o != null) conns.add(new TunnelStatus.Connection(channel, o.destination(), up, down, Duration.ofNanos(now - o.sinceNanos())));
        });
        v.complete(new View(mux.smoothedRttNanos(), mux.bytesOut(), mux.bytesIn(), udp == null ? 0 : udp.flowCount(), conns));
    }

    /** Live connections being bridged (for stats and leak checks). */
    public int openConnections() {
        return bridges == null ? 0 : bridges.openBridges();
    }
}
