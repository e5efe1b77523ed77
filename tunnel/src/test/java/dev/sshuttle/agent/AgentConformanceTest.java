package dev.sshuttle.agent;

import dev.sshuttle.exit.ExitCodes;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.mux.Command;
import dev.sshuttle.mux.ConnectFailure;
import dev.sshuttle.mux.Frame;
import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.testkit.Prerequisites;
import dev.sshuttle.transport.AgentBootstrap;
import dev.sshuttle.mux.AgentOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.zip.CRC32C;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Frame-level conformance of an agent process (docs/protocol.md): the test plays the client
 * with the production codec against a real agent and real sockets on 127.0.0.1. Each agent
 * implementation is one {@link AgentLauncher} in {@link #launchers()}.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("launchers")
class AgentConformanceTest {
    private static final int CH = 1;
    private static final Duration WAIT = AgentConnection.FRAME_TIMEOUT;

    /** -Dsshuttle.agent.python=/path/to/python (or PATH) runs the Python agent under another interpreter. */
    static List<AgentLauncher> launchers() {
        String python = System.getProperty("sshuttle.agent.python", "/usr/bin/python3");
        return List.of(new PythonAgentLauncher(python.equals("PATH") ? null : python), new JavaAgentLauncher());
    }

    private final AgentLauncher launcher;

    AgentConformanceTest(AgentLauncher launcher) {
        this.launcher = launcher;
    }

    private AgentConnection start(ProtocolVersion v) throws IOException {
        return start(AgentOptions.defaults(v == ProtocolVersion.V2 ? 2 : 1));
    }

    private AgentConnection start(AgentOptions options) throws IOException {
        AgentConnection a = AgentConnection.start(launcher, options);
        assertEquals(options.protocol() == 2 ? ProtocolVersion.V2 : ProtocolVersion.V1, a.version, "sync header version");
        return a;
    }

    // ---------- opening ----------
    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void headerThenChickenThenEmptyRoutes(ProtocolVersion v) throws Exception {
        try (AgentConnection a = start(v)) {
            Frame ping = a.next();
            assertEquals(new Frame(0, Command.PING, bytes("chicken")).toString(), ping.toString());
            assertEquals("chicken", ping.text());
            Frame routes = a.next();
            assertEquals(0, routes.channel());
            assertEquals(Command.ROUTES, routes.command(), "ROUTES right after the chicken, got " + routes);
            assertEquals(0, routes.payload().length, "ROUTES is empty without auto_nets");
            List<Frame> rest = a.roundTrip("once");
            assertTrue(rest.stream().noneMatch(f -> f.command() == Command.ROUTES), "a second ROUTES: " + rest);
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void autoNetsRoutesAreIpv4Lines(ProtocolVersion v) throws Exception {
        try (AgentConnection a = start(AgentOptions.defaults(v == ProtocolVersion.V2 ? 2 : 1).withAutoNets(true))) {
            a.expect(0, Command.PING);
            Frame routes = a.next();
            assertEquals(Command.ROUTES, routes.command());
            for (String line : routes.text().lines().toList()) {
                assertTrue(line.matches("2,(\\d{1,3}\\.){3}\\d{1,3},\\d{1,2}"), "route line " + line);
                assertFalse(line.startsWith("2,127.") || line.startsWith("2,0."), "loopback/zero route " + line);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void pingIsAnsweredWithTheSamePayload(ProtocolVersion v) throws Exception {
        try (AgentConnection a = start(v)) {
            byte[] payload = new byte[1000];
            new SplittableRandom(7).nextBytes(payload);
            a.send(0, Command.PING, payload);
            Frame pong = a.expect(0, Command.PONG);
            // the agent sends PONG only in answer to a PING: the first one is ours
            assertArrayEquals(payload, pong.payload());
        }
    }

    // ---------- connect ----------
    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void connectThenDataBothWays(ProtocolVersion v) throws Exception {
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start(v)) {
            a.connect(CH, peer.port());
            a.sendData(CH, "hello"); // before the connect completed: the agent buffers it
            AgentChecks.acceptConnected(a, peer);
            assertEquals("hello", peer.read(5));
            peer.write("world");
            assertEquals("world", AgentChecks.receive(a, CH, 5));
            a.sendData(CH, "again");
            assertEquals("again", peer.read(5));
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void connectOverIpv6(ProtocolVersion v) throws Exception {
        ServerSocket server;
        try {
            server = new ServerSocket(0, 5, InetAddress.getByName("::1"));
        } catch (IOException e) {
            Prerequisites.require(false, "no IPv6 loopback: " + e.getMessage());
            return;
        }
        try (server; AgentConnection a = start(v)) {
            server.setSoTimeout((int) WAIT.toMillis());
            a.send(CH, Command.TCP_CONNECT, "10,::1," + server.getLocalPort());
            a.sendData(CH, "v6");
            try (Socket s = server.accept()) {
                if (v == ProtocolVersion.V2) AgentChecks.expectFirstOnChannel(a, Command.TCP_CONNECTED);
                assertEquals("v6", new String(s.getInputStream().readNBytes(2), StandardCharsets.US_ASCII));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void connectRefused(ProtocolVersion v) throws Exception {
        try (AgentConnection a = start(v)) {
            a.roundTrip("ready");
            long t0 = System.nanoTime();
            a.connect(CH, LocalPeer.closedPort());
            Frame first = a.expect(f -> f.channel() == CH, "a frame on channel " + CH);
            long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            if (v == ProtocolVersion.V1) {
                assertEquals(Command.name(Command.TCP_EOF), Command.name(first.command()));
                Frame second = a.expect(f -> f.channel() == CH, "STOP_SENDING");
                assertEquals(Command.name(Command.TCP_STOP_SENDING), Command.name(second.command()));
            } else {
                assertEquals(Command.name(Command.TCP_CONNECT_FAILED), Command.name(first.command()));
                assertEquals(ConnectFailure.REFUSED.code, first.payload()[0], "reason code");
                assertTrue(elapsedMs < 1000, "refusal took " + elapsedMs + " ms");
            }
            AgentChecks.assertNoFramesOn(a.roundTrip("after"), CH);
            AgentChecks.assertChannelFree(a, CH);
        }
    }

    // ---------- half-close ----------
    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void halfCloseClientFirst(ProtocolVersion v) throws Exception {
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start(v)) {
            a.connect(CH, peer.port());
            a.sendData(CH, "request");
            a.send(CH, Command.TCP_EOF, new byte[0]);
            AgentChecks.acceptConnected(a, peer);
            assertEquals("request", peer.readToEof(), "the peer sees our EOF after the data");
            peer.write("reply after EOF");
            peer.socket().shutdownOutput();
            assertEquals("reply after EOF", AgentChecks.receiveUntilEof(a, CH));
            AgentChecks.assertChannelFree(a, CH);
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void halfClosePeerFirst(ProtocolVersion v) throws Exception {
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start(v)) {
            a.connect(CH, peer.port());
            AgentChecks.acceptConnected(a, peer);
            peer.write("early");
            peer.socket().shutdownOutput();
            assertEquals("early", AgentChecks.receiveUntilEof(a, CH));
            a.sendData(CH, "late data still flows");
            a.send(CH, Command.TCP_EOF, new byte[0]);
            assertEquals("late data still flows", peer.readToEof());
            a.roundTrip("eof handled");
            AgentChecks.assertChannelFree(a, CH);
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void stopSendingStopsData(ProtocolVersion v) throws Exception {
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start(v)) {
            a.connect(CH, peer.port());
            AgentChecks.acceptConnected(a, peer);
            a.send(CH, Command.TCP_STOP_SENDING, new byte[0]);
            a.roundTrip("stop handled");
            peer.socket().getOutputStream().write(new byte[100_000]);
            a.sendData(CH, "bye");
            a.send(CH, Command.TCP_EOF, new byte[0]);
            assertEquals("bye", peer.read(3));
            AgentChecks.assertPeerClosed(peer);
            AgentChecks.assertNoFramesOn(a.roundTrip("after"), CH);
            AgentChecks.assertChannelFree(a, CH);
        }
    }

    // ---------- reset ----------
    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void peerResetIsReported(ProtocolVersion v) throws Exception {
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start(v)) {
            a.connect(CH, peer.port());
            AgentChecks.acceptConnected(a, peer);
            peer.socket().setSoLinger(true, 0);
            peer.socket().close();
            Frame first = a.expect(f -> f.channel() == CH, "a frame on channel " + CH);
            if (v == ProtocolVersion.V2) {
                assertEquals(Command.name(Command.TCP_RESET), Command.name(first.command()));
            } else { // classic: a read error counts as EOF, then the socket takes nothing: STOP_SENDING
                assertEquals(Command.name(Command.TCP_EOF), Command.name(first.command()));
                assertEquals(Command.name(Command.TCP_STOP_SENDING),
                        Command.name(a.expect(f -> f.channel() == CH, "STOP_SENDING").command()));
            }
            AgentChecks.assertNoFramesOn(a.roundTrip("after"), CH);
            AgentChecks.assertChannelFree(a, CH);
        }
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = "V2")
    void clientResetAbortsTheSocket(ProtocolVersion v) throws Exception {
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start(v)) {
            a.connect(CH, peer.port());
            AgentChecks.acceptConnected(a, peer);
            a.send(CH, Command.TCP_RESET, "client gave up");
            InputStream in = peer.socket().getInputStream();
            SocketException e = assertThrows(SocketException.class, in::read, "the peer sees an RST, not a FIN");
            assertTrue(e.getMessage().toLowerCase().contains("reset"), e.getMessage());
            AgentChecks.assertNoFramesOn(a.roundTrip("after"), CH);
            AgentChecks.assertChannelFree(a, CH);
        }
    }

    // ---------- flow control ----------
    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = "V2")
    void windowIsNeverExceeded(ProtocolVersion v) throws Exception {
        int total = 1 << 20;
        byte[] data = randomBytes(total, 11);
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start(v)) {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            AtomicLong received = new AtomicLong();
            a.bulkSink(CH, f -> {
                got.write(f.payload(), 0, f.payload().length);
                received.addAndGet(f.payload().length);
            });
            a.connect(CH, peer.port());
            AgentChecks.acceptConnected(a, peer);
            CompletableFuture<Void> writer = peer.writeAsync(data);
            long window = MuxConfig.INITIAL_WINDOW;
            await("the initial window").atMost(WAIT).until(() -> received.get() >= window);
            await("no byte beyond the credit").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
                    .until(() -> received.get() == window);
            a.grant(CH, 100_000);
            await("the granted bytes").atMost(WAIT).until(() -> received.get() >= window + 100_000);
            await("no byte beyond the new credit").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3))
                    .until(() -> received.get() == window + 100_000);
            a.grant(CH, total);
            await("everything").atMost(WAIT).until(() -> received.get() == total);
            writer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            synchronized (got) {
                assertArrayEquals(data, got.toByteArray());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = "V2")
    void aStalledChannelDoesNotBlockAnother(ProtocolVersion v) throws Exception {
        int bulk = 4 << 20;
        try (LocalPeer stalled = new LocalPeer(); LocalPeer live = new LocalPeer(); AgentConnection a = start(v)) {
            AtomicLong stalledBytes = new AtomicLong();
            a.bulkSink(CH, f -> stalledBytes.addAndGet(f.payload().length));
            a.connect(CH, stalled.port());
            AgentChecks.acceptConnected(a, stalled);
            CompletableFuture<Void> writer = stalled.writeAsync(new byte[bulk]);
            await("the stalled channel used its window").atMost(WAIT)
                    .until(() -> stalledBytes.get() >= MuxConfig.INITIAL_WINDOW);
            int other = CH + 1;
            a.connect(other, live.port());
            live.accept();
            AgentChecks.expectFirstOnChannel(a, other, Command.TCP_CONNECTED);
            for (int i = 0; i < 20; i++) {
                a.sendData(other, "ping " + i);
                String msg = "ping " + i;
                assertEquals(msg, live.read(msg.length()));
                live.write("pong " + i);
                assertEquals("pong " + i, AgentChecks.receive(a, other, msg.length()));
            }
            assertEquals(MuxConfig.INITIAL_WINDOW, stalledBytes.get(), "the stalled channel stayed within its credit");
            a.grant(CH, bulk);
            await("the stalled channel resumes").atMost(WAIT).until(() -> stalledBytes.get() == bulk);
            writer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** Counts the agent's blocked signals (TCP_WINDOW 0) on the channel. */
    private static AtomicLong countBlockedSignals(AgentConnection a, int ch) {
        AtomicLong signals = new AtomicLong();
        a.tap((f, end) -> {
            if (f.channel() == ch && f.command() == Command.TCP_WINDOW && ByteBuffer.wrap(f.payload()).getInt() == 0) {
                signals.incrementAndGet();
            }
        });
        return signals;
    }

    private static void assertStays(String what, LongSupplier value, long expected, Duration during) {
        await(what).during(during).atMost(during.plusSeconds(3)).until(() -> value.getAsLong() == expected);
    }

    /** A bulk source out of credit: one TCP_WINDOW 0 per blocked episode, none more until credit comes. */
    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = "V2")
    void aSourceBlockedOnCreditSaysSoOnce(ProtocolVersion v) throws Exception {
        int total = 1 << 20;
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start(v)) {
            AtomicLong signals = countBlockedSignals(a, CH);
            AtomicLong received = new AtomicLong();
            a.bulkSink(CH, f -> received.addAndGet(f.payload().length));
            a.connect(CH, peer.port());
            AgentChecks.acceptConnected(a, peer);
            CompletableFuture<Void> writer = peer.writeAsync(new byte[total]);
            long window = MuxConfig.INITIAL_WINDOW;
            await("the initial window").atMost(WAIT).until(() -> received.get() == window);
            await("the blocked signal").atMost(WAIT).until(() -> signals.get() >= 1);
            assertStays("one blocked signal while blocked", signals::get, 1, Duration.ofMillis(500));
            assertEquals(window, received.get(), "bytes beyond the credit");
            a.grant(CH, 100_000);
            await("the granted bytes").atMost(WAIT).until(() -> received.get() == window + 100_000);
            await("the second episode's signal").atMost(WAIT).until(() -> signals.get() >= 2);
            assertStays("one blocked signal per episode", signals::get, 2, Duration.ofMillis(300));
            a.grant(CH, total);
            await("everything").atMost(WAIT).until(() -> received.get() == total);
            writer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /**
     * A TCP_WINDOW 0 from the client is its blocked signal: the agent, whose socket keeps up,
     * doubles its window and grants the difference at once. To the agent as a sender it is no
     * credit at all, and no error, on an open channel or on one that is not.
     */
    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = "V2")
    void windowZeroGrowsTheWindowAndGivesNoCredit(ProtocolVersion v) throws Exception {
        int total = 1 << 20;
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start(v)) {
            AtomicLong received = new AtomicLong();
            a.bulkSink(CH, f -> received.addAndGet(f.payload().length));
            a.connect(CH, peer.port());
            AgentChecks.acceptConnected(a, peer);
            long window = MuxConfig.INITIAL_WINDOW;
            a.grant(CH, 0);
            a.roundTrip("after a TCP_WINDOW 0 with nothing consumed");
            assertEquals(window, a.credit(CH).available(), "growth needs half a window consumed since the last");
            // half a window through the agent's socket, granted back; then the blocked signal doubles the window
            byte[] half = new byte[(int) (window / 2)];
            Arrays.fill(half, (byte) 'h');
            CompletableFuture<String> halfRead = CompletableFuture.supplyAsync(() -> {
                try {
                    return peer.read(half.length);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            a.sendData(CH, half, 0, half.length);
            assertEquals(half.length, halfRead.get(WAIT.toSeconds(), TimeUnit.SECONDS).length());
            // granted in quarters (a last few bytes written straight to the socket may stay owed)
            await("the grant of the half window").atMost(WAIT).until(() -> a.credit(CH).available() > window - window / 4);
            a.grant(CH, 0);
            await("the grant of the doubled window").atMost(WAIT).until(() -> a.credit(CH).available() == 2 * window);
            assertStays("no more grants with nothing consumed", () -> a.credit(CH).available(), 2 * window,
                    Duration.ofMillis(300));
            // the doubled window holds: 512 KiB at once, the agent's socket takes them all
            CompletableFuture<String> peerRead = CompletableFuture.supplyAsync(() -> {
                try {
                    return peer.read((int) (2 * window));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            byte[] twoWindows = new byte[(int) (2 * window)];
            Arrays.fill(twoWindows, (byte) 'x');
            a.sendData(CH, twoWindows, 0, twoWindows.length);
            assertEquals(2 * window, peerRead.get(WAIT.toSeconds(), TimeUnit.SECONDS).length());

            CompletableFuture<Void> writer = peer.writeAsync(new byte[total]);
            await("the initial window").atMost(WAIT).until(() -> received.get() == window);
            for (int i = 0; i < 3; i++) a.grant(CH, 0);
            a.grant(CH + 40, 0); // a channel that is not open: dropped
            a.roundTrip("after TCP_WINDOW 0");
            assertStays("no byte for a TCP_WINDOW 0", received::get, window, Duration.ofMillis(500));
            assertTrue(a.process.isAlive(), "the agent died on TCP_WINDOW 0: " + a.stderrText());
            a.grant(CH, total);
            await("everything").atMost(WAIT).until(() -> received.get() == total);
            writer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = "V1")
    void classicLatencyControlWaitsForPong(ProtocolVersion v) throws Exception {
        int buffer = 32768;
        int total = 1 << 20;
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start(AgentOptions.defaults(1).withLatencyControl(true, buffer))) {
            a.roundTrip("chicken answered");
            a.autoPong(false);
            AtomicLong received = new AtomicLong();
            a.bulkSink(CH, f -> received.addAndGet(f.payload().length));
            a.connect(CH, peer.port());
            peer.accept();
            CompletableFuture<Void> writer = peer.writeAsync(new byte[total]);
            a.expect(f -> f.command() == Command.PING && f.text().equals("rttest"), "PING rttest");
            long atPing = received.get();
            await("nothing more until PONG").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
                    .until(() -> received.get() == atPing);
            // like the original, the agent counts every payload it sends (the PONG to the
            // round trip above too), so the PING may come a few bytes of data early
            int controlBytes = "chicken answered".length();
            assertTrue(atPing + controlBytes > buffer && atPing <= buffer + Frame.MAX_PAYLOAD, "sent before the PING: " + atPing);
            a.autoPong(true);
            a.send(0, Command.PONG, "rttest");
            await("the rest after PONGs").atMost(WAIT).until(() -> received.get() == total);
            writer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    // ---------- DNS ----------
    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void dnsRequestGoesToTheNameserverAndBack(ProtocolVersion v) throws Exception {
        try (DatagramSocket ns = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            ns.setSoTimeout((int) WAIT.toMillis());
            AgentOptions options = AgentOptions.defaults(v == ProtocolVersion.V2 ? 2 : 1)
                    .withToNs("127.0.0.1@" + ns.getLocalPort());
            try (AgentConnection a = start(options)) {
                byte[] query = randomBytes(40, 3);
                a.send(9, Command.DNS_REQ, query);
                DatagramPacket p = new DatagramPacket(new byte[512], 512);
                ns.receive(p);
                assertArrayEquals(query, Arrays.copyOf(p.getData(), p.getLength()));
                byte[] reply = randomBytes(300, 4);
                ns.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                Frame response = a.expect(9, Command.DNS_RESPONSE);
                assertArrayEquals(reply, response.payload());
            }
        }
    }

    /**
     * -H: HOST_REQ starts the hostwatch; with auto_hosts it reads ~/.sshuttle.hosts ($HOME) and
     * sends each usable name, full and short, IPv4 and IPv6, in HOST_LIST; loopback addresses
     * and names that are not host names stay out. A second HOST_REQ starts nothing more.
     */
    @Test
    void hostRequestAnswersWithTheNamesOfTheHostsFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path home) throws Exception {
        java.nio.file.Files.writeString(home.resolve(".sshuttle.hosts"),
                "10.1.2.3 db.internal  # a comment\n127.0.0.1 lo.internal\nfd00::5 v6.internal\n10.1.2.4 bad;name\nnot-an-ip x.y\n");
        try (AgentConnection a = AgentConnection.start(launcher, AgentOptions.defaults(2).withAutoHosts(true),
                java.util.Map.of("HOME", home.toString()))) {
            a.send(0, Command.HOST_REQ, "");
            String list = a.expect(0, Command.HOST_LIST).text();
            java.util.Set<String> lines = new java.util.HashSet<>(List.of(list.split("\n")));
            for (String expected : List.of("db.internal,10.1.2.3", "db,10.1.2.3", "v6.internal,fd00::5", "v6,fd00::5")) {
                assertTrue(lines.contains(expected), expected + " in " + lines);
            }
            assertTrue(lines.stream().noneMatch(l -> l.contains("lo.internal") || l.contains("bad") || l.contains("x.y")), list);
            assertTrue(list.endsWith("\n"), "complete lines");
            a.send(0, Command.HOST_REQ, "");
            a.roundTrip("second HOST_REQ");
            assertTrue(a.process.isAlive(), a.stderrText());
        }
    }

    /**
     * 0002: a UDP flood from the remote side goes out under the bytes-in-flight bound like TCP
     * data: with no probe answered the agent stops near the 256 KiB limit (the rest waits in, or
     * overflows, socket buffers and the UDP queue), and the PONGs let more through.
     */
    @Test
    void aUdpFloodWaitsForTheInFlightBound() throws Exception {
        int datagrams = 60_000;
        try (DatagramSocket target = new DatagramSocket(0, InetAddress.getLoopbackAddress()); AgentConnection a = start(ProtocolVersion.V2)) {
            target.setSoTimeout((int) WAIT.toMillis());
            a.roundTrip("chicken answered");
            a.autoPong(false);
            java.util.concurrent.atomic.AtomicLong stream = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicLong udpBytes = new java.util.concurrent.atomic.AtomicLong();
            List<byte[]> probes = new java.util.concurrent.CopyOnWriteArrayList<>();
            a.tap((f, end) -> {
                stream.set(end);
                if (f.command() == Command.UDP_DATA) udpBytes.addAndGet(f.payload().length);
                if (f.command() == Command.PING && f.payload().length == 11) probes.add(f.payload());
            });
            long before = stream.get();
            a.send(5, Command.UDP_OPEN, "2");
            a.send(5, Command.UDP_DATA, "127.0.0.1," + target.getLocalPort() + ",hello");
            DatagramPacket p = new DatagramPacket(new byte[512], 512);
            target.receive(p);
            byte[] chunk = new byte[1000];
            // keep flooding until the agent has sent up to its bound: one burst of a fixed size could
            // overflow the agent's socket buffer before a loaded agent read it, and stop short
            long floodEnds = System.nanoTime() + WAIT.toNanos();
            for (int i = 0; i < datagrams && udpBytes.get() < 200 * 1024 && System.nanoTime() < floodEnds; i++) {
                target.send(new DatagramPacket(chunk, chunk.length, p.getSocketAddress()));
                if (i % 200 == 199) Thread.sleep(1); // let a loaded agent read: the buffer holds ~100 of these
            }
            await("UDP data up to the limit").atMost(WAIT).until(() -> udpBytes.get() >= 200 * 1024);
            // and more behind the shut gate: it waits in the agent's socket buffer for the PONGs
            for (int i = 0; i < 300; i++) target.send(new DatagramPacket(chunk, chunk.length, p.getSocketAddress()));
            long[] last = {stream.get()};
            await("nothing more without PONGs").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> {
                boolean same = stream.get() == last[0];
                last[0] = stream.get();
                return same;
            });
            long sent = stream.get() - before;
            assertTrue(sent <= 256 * 1024 + 64 * 1024 + 4096, launcher + " sent " + sent + " bytes with no probe answered");
            long stalled = udpBytes.get();
            for (byte[] probe : probes) a.send(0, Command.PONG, probe);
            await("more UDP data after the PONGs").atMost(WAIT).until(() -> udpBytes.get() > stalled);
            assertTrue(a.process.isAlive(), a.stderrText());
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void udpDatagramsBothWays(ProtocolVersion v) throws Exception {
        try (DatagramSocket target = new DatagramSocket(0, InetAddress.getLoopbackAddress()); AgentConnection a = start(v)) {
            target.setSoTimeout((int) WAIT.toMillis());
            a.send(5, Command.UDP_OPEN, "2");
            a.send(5, Command.UDP_DATA, "127.0.0.1," + target.getLocalPort() + ",hello, udp");
            DatagramPacket p = new DatagramPacket(new byte[512], 512);
            target.receive(p);
            assertEquals("hello, udp", new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII));
            target.send(new DatagramPacket(bytes("back"), 4, p.getSocketAddress()));
            Frame reply = a.expect(5, Command.UDP_DATA);
            assertEquals("127.0.0.1," + target.getLocalPort() + ",back", reply.text());
            a.send(5, Command.UDP_CLOSE, new byte[0]);
            a.send(5, Command.UDP_OPEN, "2"); // fatal if UDP_CLOSE had not freed the channel
            a.roundTrip("udp closed");
            assertTrue(a.process.isAlive(), a.stderrText());
        }
    }

    // ---------- where the agents once differed (docs/protocol.md, "Rules both agents keep") ----------
    /** Was fatal in the Java agent (exit 99), logged in the Python one. */
    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void aSecondTcpEofIsDroppedAndTheChannelCarriesOn(ProtocolVersion v) throws Exception {
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start(v)) {
            a.connect(CH, peer.port());
            AgentChecks.acceptConnected(a, peer);
            a.send(CH, Command.TCP_EOF, new byte[0]);
            a.send(CH, Command.TCP_EOF, new byte[0]);
            a.roundTrip("after two EOFs");
            peer.write("still here");
            assertEquals("still here", AgentChecks.receive(a, CH, 10));
            assertTrue(a.process.isAlive(), a.stderrText());
        }
    }

    /** Was fatal in the Python agent (exit 99), dropped in the Java one; a name was even looked up. */
    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void aBadUdpDatagramIsDroppedAndTheChannelCarriesOn(ProtocolVersion v) throws Exception {
        try (DatagramSocket target = new DatagramSocket(0, InetAddress.getLoopbackAddress()); AgentConnection a = start(v)) {
            target.setSoTimeout((int) WAIT.toMillis());
            a.send(5, Command.UDP_OPEN, "2");
            a.send(5, Command.UDP_DATA, "no address here");
            a.send(5, Command.UDP_DATA, "localhost," + target.getLocalPort() + ",a name, not an address");
            a.send(5, Command.UDP_DATA, "127.0.0.1,99999,a port out of range");
            a.send(5, Command.UDP_DATA, "127.0.0.1," + target.getLocalPort() + ",good");
            DatagramPacket p = new DatagramPacket(new byte[512], 512);
            target.receive(p);
            assertEquals("good", new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII), "only the good one arrives");
            a.roundTrip("after bad datagrams");
            assertTrue(a.process.isAlive(), a.stderrText());
        }
    }

    /** The ceiling was 4 x MAX_WINDOW in the Java agent (of its own configured maximum), 2 x MAX_WINDOW + INITIAL in the Python one. */
    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = "V2")
    void creditPastTwoMaxWindowsAndTheInitialOneEndsWith99(ProtocolVersion v) throws Exception {
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start(v)) {
            a.connect(CH, peer.port());
            AgentChecks.acceptConnected(a, peer);
            a.grant(CH, MuxConfig.MAX_WINDOW);
            a.grant(CH, MuxConfig.MAX_WINDOW); // the credit is now 2 x MAX_WINDOW + INITIAL_WINDOW: the ceiling itself
            a.roundTrip("at the ceiling");
            assertTrue(a.process.isAlive(), "the ceiling itself is allowed: " + a.stderrText());
            a.grant(CH, 1);
            AgentChecks.assertFatal(a, "credit");
        }
    }

    // ---------- malformed input and ending ----------
    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void badMagicEndsWith99AndOneLine(ProtocolVersion v) throws Exception {
        try (AgentConnection a = start(v)) {
            a.sendRaw(new byte[] {'X', 'Y', 0, 0, 0x42, 0x01, 0, 0});
            AgentChecks.assertFatal(a, "magic");
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void garbageConnectEndsWith99AndOneLine(ProtocolVersion v) throws Exception {
        try (AgentConnection a = start(v)) {
            a.send(CH, Command.TCP_CONNECT, "hello, agent");
            AgentChecks.assertFatal(a, "TCP_CONNECT");
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void unknownCommandEndsWith99(ProtocolVersion v) throws Exception {
        try (AgentConnection a = start(v)) {
            a.send(0, 0x4299, "?");
            AgentChecks.assertFatal(a, "unknown command");
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void reusingALiveChannelEndsWith99(ProtocolVersion v) throws Exception {
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start(v)) {
            a.connect(CH, peer.port());
            peer.accept();
            a.connect(CH, peer.port());
            AgentChecks.assertFatal(a, "channel " + CH);
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void stdinEofEndsWith98(ProtocolVersion v) throws Exception {
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start(v)) {
            a.connect(CH, peer.port());
            peer.accept();
            a.closeStdin();
            assertEquals(ExitCodes.REMOTE_RETURNED, a.awaitExit(), "stderr: " + a.stderrText());
            assertEquals("", a.stderrText(), "silent at verbosity 0");
            AgentChecks.assertPeerClosed(peer);
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void logsCarryThePrefixAtVerbosity1(ProtocolVersion v) throws Exception {
        try (AgentConnection a = start(AgentOptions.defaults(v == ProtocolVersion.V2 ? 2 : 1).withVerbosity(1))) {
            a.roundTrip("log");
            a.closeStdin();
            assertEquals(ExitCodes.REMOTE_RETURNED, a.awaitExit());
            List<String> lines = a.stderrText().lines().toList();
            assertFalse(lines.isEmpty(), "no log at verbosity 1");
            assertTrue(lines.stream().allMatch(l -> l.startsWith(" s: ")), "every log line starts with ' s: ': " + lines);
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void exitFrameEndsWith98(ProtocolVersion v) throws Exception {
        try (AgentConnection a = start(v)) {
            a.send(0, Command.EXIT, new byte[0]);
            assertEquals(ExitCodes.REMOTE_RETURNED, a.awaitExit(), "stderr: " + a.stderrText());
        }
    }

    // ---------- bulk ----------
    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = "V2")
    void fiftyMegabytesEachWayAreByteIdentical(ProtocolVersion v) throws Exception {
        int total = 50 * 1024 * 1024;
        byte[] data = randomBytes(total, 42);
        CRC32C expected = new CRC32C();
        expected.update(data);
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start(v)) {
            a.connect(CH, peer.port());
            AgentChecks.acceptConnected(a, peer);

            // client -> agent -> peer
            CompletableFuture<long[]> peerRead = CompletableFuture.supplyAsync(peer::checksumToEof);
            long t0 = System.nanoTime();
            a.sendData(CH, data, 0, total);
            a.send(CH, Command.TCP_EOF, new byte[0]);
            long[] up = peerRead.get(60, TimeUnit.SECONDS);
            double upMBps = mbPerSecond(total, System.nanoTime() - t0);
            assertEquals(total, up[0], "bytes at the peer");
            assertEquals(expected.getValue(), up[1], "checksum at the peer");
            // everything was consumed, so the agent owes less than a quarter of its (possibly grown) window
            await("the last grants").atMost(WAIT).until(() -> a.credit(CH).available() >= 3 * MuxConfig.INITIAL_WINDOW / 4);
            long agentWindow = a.credit(CH).available();
            assertTrue(agentWindow <= MuxConfig.MAX_WINDOW, "the agent granted beyond MAX_WINDOW: " + agentWindow);

            // peer -> agent -> client
            CRC32C got = new CRC32C();
            AtomicLong received = new AtomicLong();
            long[] ungranted = {0};
            a.bulkSink(CH, f -> {
                got.update(f.payload());
                received.addAndGet(f.payload().length);
                ungranted[0] += f.payload().length;
                if (ungranted[0] >= MuxConfig.INITIAL_WINDOW / 4) {
                    a.grant(CH, (int) ungranted[0]);
                    ungranted[0] = 0;
                }
            });
            long t1 = System.nanoTime();
            // as a client whose window autotuned to the maximum: measure the agent, not our window
            a.grant(CH, MuxConfig.MAX_WINDOW - MuxConfig.INITIAL_WINDOW);
            CompletableFuture<Void> writer = peer.writeAsync(data).thenRun(peer::shutdownOutputQuietly);
            a.collectUntil(f -> f.channel() == CH && f.command() == Command.TCP_EOF, "EOF after 50 MiB",
                    Duration.ofSeconds(60));
            double downMBps = mbPerSecond(total, System.nanoTime() - t1);
            writer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(total, received.get(), "bytes at the client");
            assertEquals(expected.getValue(), got.getValue(), "checksum at the client");
            System.out.printf("%s, protocol 0002, one stream of 50 MiB: client->peer %.1f MB/s (agent window %d KiB),"
                    + " peer->client %.1f MB/s%n", launcher, upMBps, agentWindow / 1024, downMBps);
        }
    }

    // ---------- helpers ----------
    private static byte[] bytes(String ascii) {
        return ascii.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static double mbPerSecond(long bytes, long nanos) {
        return bytes / 1e6 / (nanos / 1e9);
    }
}
