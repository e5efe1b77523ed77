package dev.sshuttle.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.mux.ProtocolVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole client path without root: listener -> mux -> an agent -> real sockets, on
 * loopback. Each subclass supplies one agent (our Java agent, our Python agent, stock
 * sshuttle's server) and the protocol it should end up speaking.
 */
abstract class TunnelContract {
    /** A fresh transport to the agent under test. */
    abstract dev.sshuttle.transport.Transport transport() throws IOException;

    /** What the client sends before the sync header (the agent upload and options). */
    abstract byte[] preamble();

    abstract ProtocolVersion expectedVersion();

    private final AtomicReference<InetSocketAddress> target = new AtomicReference<>();
    private ServerSocket echo;
    private TransparentListener listener;
    private ClientSession session;
    private CompletableFuture<ClientSession.End> ended;

    @BeforeEach
    void start() throws Exception {
        echo = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::serveEcho);
        target.set(new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.getLocalPort()));
        listener = TransparentListener.bind(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        CompletableFuture<Void> ready = new CompletableFuture<>();
        session = new ClientSession(transport(), preamble(),
                MuxConfig.defaults(), listener, s -> target.get(), new ClientSession.Hooks() {
                    public void serverReady(int port, String routes) {
                        ready.complete(null);
                    }

                    public void log(int level, String message) {
                        if (level <= 1) System.err.println("client: " + message);
                    }
                });
        ended = CompletableFuture.supplyAsync(session::run);
        ready.get();
        assertEquals(expectedVersion(), session.version());
    }

    @AfterEach
    void stop() throws Exception {
        session.stop();
        ended.get();
        listener.close();
        echo.close();
    }

    private void serveEcho() {
        while (!echo.isClosed()) {
            try {
                Socket s = echo.accept();
                Thread.ofVirtual().start(() -> {
                    try (s) {
                        s.getInputStream().transferTo(s.getOutputStream());
                        s.shutdownOutput();
                    } catch (IOException ignored) {
                        // peer went away
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    private Socket connect() throws IOException {
        return new Socket(InetAddress.getLoopbackAddress(), listener.port());
    }

    @Test
    void bulkEchoIsByteIdentical() throws Exception {
        byte[] data = new byte[expectedVersion() == ProtocolVersion.V2 ? 20 << 20 : 1 << 20];
        new Random(7).nextBytes(data);
        try (Socket s = connect()) {
            CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            long t0 = System.nanoTime();
            OutputStream out = s.getOutputStream();
            out.write(data);
            s.shutdownOutput();
            byte[] got = back.get();
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf(getClass().getSimpleName() + " echo: %d MB each way in %.2f s (%.0f MB/s each way)%n", data.length >> 20, secs, data.length / 1e6 / secs);
            assertEquals(data.length, got.length);
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            assertArrayEquals(md.digest(data), MessageDigest.getInstance("SHA-256").digest(got));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> session.openConnections() == 0);
    }

    @Test
    void oneWayThroughput() throws Exception {
        byte[] chunk = new byte[1 << 20];
        int mb = Integer.getInteger("loopback.mb", expectedVersion() == ProtocolVersion.V2 ? 200 : 5);
        try (ServerSocket sink = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = sink.accept()) {
                    return s.getInputStream().transferTo(OutputStream.nullOutputStream());
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            target.set(new InetSocketAddress(InetAddress.getLoopbackAddress(), sink.getLocalPort()));
            try (Socket s = connect()) {
                long t0 = System.nanoTime();
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < mb; i++) out.write(chunk);
                s.shutdownOutput();
                assertEquals((long) mb << 20, received.get());
                double secs = (System.nanoTime() - t0) / 1e9;
                System.out.printf(getClass().getSimpleName() + " one way: %d MB in %.2f s = %.0f MB/s%n", mb, secs, mb * 1.048576 / secs);
            }
        }
    }

    @Test
    void refusedConnectIsAResetNotACleanClose() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(expectedVersion() == ProtocolVersion.V2,
                "classic 0001 carries no connect result: sshuttle's server closes cleanly");
        int closedPort;
        try (ServerSocket tmp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = tmp.getLocalPort();
        }
        target.set(new InetSocketAddress(InetAddress.getLoopbackAddress(), closedPort));
        try (Socket s = connect()) {
            s.setSoTimeout(1000);
            InputStream in = s.getInputStream();
            assertThrows(SocketException.class, in::read, "a refused remote connect must surface as a reset");
        }
    }

    @Test
    void halfCloseStillGetsTheAnswer() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            byte[] answer = s.getInputStream().readAllBytes();
            assertEquals("hello", new String(answer, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void manyConcurrentConnectionsAllComplete() throws Exception {
        int n = expectedVersion() == ProtocolVersion.V2 ? 300 : 50;
        List<CompletableFuture<Boolean>> all = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = i;
            all.add(CompletableFuture.supplyAsync(() -> {
                try (Socket s = connect()) {
                    byte[] msg = ("conn-" + id).getBytes(StandardCharsets.US_ASCII);
                    s.getOutputStream().write(msg);
                    s.shutdownOutput();
                    return java.util.Arrays.equals(msg, s.getInputStream().readAllBytes());
                } catch (IOException e) {
                    System.err.println("connection " + id + " failed: " + e);
                    return false;
                }
            }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
        }
        long ok = all.stream().filter(CompletableFuture::join).count();
        assertEquals(n, ok);
        await().atMost(Duration.ofSeconds(5)).until(() -> session.openConnections() == 0);
        assertTrue(session.isConnected());
    }
}
