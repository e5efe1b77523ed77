package dev.sshuttle.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.client.ClientSession.End;
import dev.sshuttle.client.ClientSession.Reason;
import dev.sshuttle.mux.Command;
import dev.sshuttle.mux.Frame;
import dev.sshuttle.mux.MuxConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client session against a scripted hostile server, in this JVM: for each attack the
 * session ends (with the reason docs/protocol.md gives) or carries on, within seconds.
 */
class HostileServerSessionTest {
    private static final Duration ENDS_WITHIN = Duration.ofSeconds(10);

    private final List<String> log = new CopyOnWriteArrayList<>();
    private final CompletableFuture<String> ready = new CompletableFuture<>();
    private ScriptedPeer peer;
    private TransparentListener listener;
    private ClientSession session;
    private CompletableFuture<End> ended;

    private void start(Duration routesTimeout) throws Exception {
        peer = new ScriptedPeer();
        listener = TransparentListener.bind(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        session = new ClientSession(peer, new byte[0], MuxConfig.defaults(), listener,
                s -> new InetSocketAddress(InetAddress.getLoopbackAddress(), 9), new ClientSession.Hooks() {
                    public void serverReady(int port, String routes) {
                        ready.complete(routes);
                    }

                    public void log(int level, String message) {
                        log.add(message);
                    }
                }).withRoutesTimeout(routesTimeout);
        ended = CompletableFuture.supplyAsync(session::run);
    }

    private void startReady() throws Exception {
        start(ClientSession.ROUTES_TIMEOUT);
        peer.header("0002").send(0, Command.PING, "chicken").send(0, Command.ROUTES, "");
        ready.get(ENDS_WITHIN.toSeconds(), TimeUnit.SECONDS);
    }

    private End awaitEnd() throws Exception {
        return ended.get(ENDS_WITHIN.toSeconds(), TimeUnit.SECONDS);
    }

    /** The session still works: our PING gets its PONG (the client answers at once). */
    private void assertStillServing() throws Exception {
        peer.send(0, Command.PING, "still there?");
        for (Frame f; (f = peer.next(ENDS_WITHIN)) != null; ) {
            if (f.command() == Command.PONG && f.text().equals("still there?")) {
                assertTrue(!ended.isDone(), "session ended: " + (ended.isDone() ? ended.get() : ""));
                return;
            }
        }
        throw new AssertionError("no PONG: the session stopped serving; log " + log);
    }

    @AfterEach
    void stop() throws Exception {
        if (session != null) session.stop();
        if (ended != null) {
            try {
                ended.get(ENDS_WITHIN.toSeconds(), TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("the session did not end on stop()", e);
            }
        }
        if (peer != null) peer.close();
        if (listener != null) listener.close();
    }

    @Test
    void aServerThatNeverSendsRoutesIsGivenUpOn() throws Exception {
        start(Duration.ofSeconds(1));
        peer.readFrames(true).header("0002").send(0, Command.PING, "chicken"); // answers PINGs, never ROUTES
        End end = awaitEnd();
        assertEquals(Reason.PROTOCOL_ERROR, end.reason(), end.toString());
        assertTrue(end.message().contains("sent no ROUTES within 1 s"), end.message());
        assertTrue(!ready.isDone(), "no firewall for a server that never got ready");
    }

    @Test
    void aPingFloodWithNothingReadEndsTheSession() throws Exception {
        startReady();
        Frame ping = new Frame(0, Command.PING, new byte[Frame.MAX_PAYLOAD]);
        ByteBuffer b = ByteBuffer.allocate(Frame.HEADER_BYTES + Frame.MAX_PAYLOAD);
        dev.sshuttle.mux.FrameEncoder.write(b, ping);
        byte[] bytes = b.array();
        Thread flood = Thread.ofPlatform().daemon(true).start(() -> {
            try {
                for (int i = 0; i < 2000 && !ended.isDone(); i++) peer.sendRaw(bytes); // at most 128 MiB
            } catch (Exception closed) {
                // the client gave up on us
            }
        });
        End end = awaitEnd();
        flood.join(ENDS_WITHIN.toMillis());
        assertEquals(Reason.PROTOCOL_ERROR, end.reason(), end.toString());
        assertTrue(end.message().contains("PING flood"), end.message());
    }

    @Test
    void framesOnChannelsNeverOpenedAreDropped() throws Exception {
        startReady();
        peer.readFrames(true);
        peer.send(7, Command.TCP_DATA, new byte[1000]).send(9, Command.TCP_EOF, new byte[0])
                .send(11, Command.TCP_STOP_SENDING, new byte[0]).send(3, Command.TCP_WINDOW, new byte[] {0, 0, 1, 0})
                .send(4, Command.TCP_RESET, "x").send(5, Command.TCP_CONNECTED, new byte[0])
                .send(6, Command.TCP_CONNECT_FAILED, new byte[] {1}).send(65535, Command.UDP_DATA, "1.2.3.4,53,x");
        assertStillServing();
    }

    @Test
    void dnsRepliesForQueriesNeverSentAreDropped() throws Exception {
        startReady();
        peer.readFrames(true);
        for (int ch = 1; ch <= 100; ch++) peer.send(ch, Command.DNS_RESPONSE, new byte[512]);
        assertStillServing();
    }

    @Test
    void hugeHostListsAreNotKept() throws Exception {
        startReady();
        peer.readFrames(true);
        byte[] list = "a,1.2.3.4\n".repeat(6553).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < 200; i++) peer.send(0, Command.HOST_LIST, list); // 13 MB
        assertStillServing();
    }

    @Test
    void exitBeforeRoutesEndsTheSessionAtOnce() throws Exception {
        start(ClientSession.ROUTES_TIMEOUT);
        peer.readFrames(true).header("0002").send(0, Command.PING, "chicken").send(0, Command.EXIT, new byte[0]);
        End end = awaitEnd();
        assertEquals(Reason.TRANSPORT_CLOSED, end.reason(), end.toString());
        assertTrue(!ready.isDone());
    }

    @Test
    void exitInTheMiddleOfTrafficEndsTheSession() throws Exception {
        startReady();
        peer.readFrames(true);
        try (Socket app = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
            Frame connect = awaitCommand(Command.TCP_CONNECT);
            peer.send(connect.channel(), Command.TCP_CONNECTED, new byte[0]).send(0, Command.EXIT, new byte[0]);
            End end = awaitEnd();
            assertEquals(Reason.TRANSPORT_CLOSED, end.reason(), end.toString());
        }
    }

    @Test
    void aWindowIncrementThatOverflowsIsAProtocolError() throws Exception {
        startReady();
        peer.readFrames(true);
        try (Socket app = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
            Frame connect = awaitCommand(Command.TCP_CONNECT);
            byte[] max = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
            for (int i = 0; i < 3; i++) peer.send(connect.channel(), Command.TCP_WINDOW, max);
            End end = awaitEnd();
            assertEquals(Reason.PROTOCOL_ERROR, end.reason(), end.toString());
            assertTrue(end.message().contains("credit grew"), end.message());
        }
    }

    @Test
    void aConnectSentToTheClientIsAProtocolError() throws Exception {
        startReady();
        peer.send(1, Command.TCP_CONNECT, "2,10.0.0.1,80");
        End end = awaitEnd();
        assertEquals(Reason.PROTOCOL_ERROR, end.reason(), end.toString());
    }

    @Test
    void aSyncHeaderThatNeverEndsIsGivenUpOn() throws Exception {
        start(ClientSession.ROUTES_TIMEOUT);
        byte[] junk = new byte[64 * 1024];
        java.util.Arrays.fill(junk, (byte) 'x');
        Thread.ofPlatform().daemon(true).start(() -> {
            try {
                for (int i = 0; i < 100 && !ended.isDone(); i++) peer.sendRaw(junk); // 6.4 MB of motd, no NUL
            } catch (Exception closed) {
                // the client gave up
            }
        });
        End end = awaitEnd();
        assertTrue(end.message().toLowerCase().contains("header"), end.toString());
    }

    private Frame awaitCommand(int command) throws InterruptedException {
        for (Frame f; (f = peer.next(ENDS_WITHIN)) != null; ) {
            if (f.command() == command) return f;
        }
        throw new AssertionError("no " + Command.name(command) + " from the client");
    }
}
