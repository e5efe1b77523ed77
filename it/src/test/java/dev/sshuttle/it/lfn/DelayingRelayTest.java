package dev.sshuttle.it.lfn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.sys.SocketHome;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The delaying relay on loopback in the JVM's own namespace, against an echo server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DelayingRelayTest {
    private ServerSocket echo;
    private final List<Socket> accepted = new ArrayList<>();

    @BeforeEach
    void echoServer() throws IOException {
        echo = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    synchronized (accepted) {
                        accepted.add(s);
                    }
                    Thread.ofVirtual().start(() -> pump(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private static void pump(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException ignored) {
            // the test ended the connection
        }
    }

    @AfterEach
    void close() throws IOException {
        echo.close();
        synchronized (accepted) {
            for (Socket s : accepted) s.close();
        }
    }

    private DelayingRelay relay(LinkShape shape) {
        return DelayingRelay.start(SocketHome.current(), (InetSocketAddress) echo.getLocalSocketAddress(), shape);
    }

    private static Socket through(DelayingRelay relay) throws IOException {
        Socket s = new Socket("127.0.0.1", relay.port());
        s.setTcpNoDelay(true);
        s.setSoTimeout(20_000);
        return s;
    }

    @Test
    void aRoundTripTakesTheConfiguredDelayEachWay() throws IOException {
        try (DelayingRelay relay = relay(LinkShape.roundTrip(Duration.ofMillis(80))); Socket s = through(relay)) {
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                s.getOutputStream().write(i);
                assertEquals(i, s.getInputStream().read());
                double ms = (System.nanoTime() - t0) / 1e6;
                assertTrue(ms >= 80 && ms < 80 + 40, "a 1 byte round trip through an 80 ms link took " + ms + " ms");
            }
        }
    }

    @Test
    void theShapeMayChangeBetweenConnections() throws IOException {
        try (DelayingRelay relay = relay(LinkShape.roundTrip(Duration.ofMillis(200)))) {
            relay.shape(LinkShape.roundTrip(Duration.ofMillis(20)));
            try (Socket s = through(relay)) {
                long t0 = System.nanoTime();
                s.getOutputStream().write(7);
                assertEquals(7, s.getInputStream().read());
                double ms = (System.nanoTime() - t0) / 1e6;
                assertTrue(ms >= 20 && ms < 150, "after the change to 20 ms a round trip took " + ms + " ms");
            }
        }
    }

    @Test
    void everyByteArrivesOnceInOrderUnderLossAndACap() throws Exception {
        int bytes = 24 << 20;
        long cap = 200_000_000;
        LinkShape shape = LinkShape.roundTrip(Duration.ofMillis(20)).withLoss(0.05).withBandwidth(cap).withMaxQueued(4L << 20);
        try (DelayingRelay relay = relay(shape); Socket s = through(relay)) {
            byte[] data = new byte[bytes];
            new Random(13).nextBytes(data);
            long t0 = System.nanoTime();
            CompletableFuture<Void> send = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(data);
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            byte[] back = s.getInputStream().readAllBytes();
            double seconds = (System.nanoTime() - t0) / 1e9;
            send.get(10, TimeUnit.SECONDS);
            assertEquals(bytes, back.length, "bytes echoed");
            assertArrayEquals(sha256(data), sha256(back), "the echo differs from what was sent");
            // every byte passed the 200 MB/s bottleneck twice (there and back), one after the other
            assertTrue(seconds >= bytes / (double) cap, "24 MiB through a 200 MB/s cap took only " + seconds + " s");
        }
    }

    @Test
    void anEofPassesAndTheConnectionEnds() throws IOException {
        try (DelayingRelay relay = relay(LinkShape.roundTrip(Duration.ofMillis(10))); Socket s = through(relay)) {
            s.getOutputStream().write(new byte[] {1, 2, 3});
            s.shutdownOutput();
            assertArrayEquals(new byte[] {1, 2, 3}, s.getInputStream().readAllBytes());
            await().atMost(Duration.ofSeconds(5)).until(() -> relay.openCount() == 0);
        }
    }

    @Test
    void connectionsBeyondTheBoundAreClosed() throws IOException {
        try (DelayingRelay relay = relay(LinkShape.roundTrip(Duration.ofMillis(2)))) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < DelayingRelay.MAX_CONNECTIONS; i++) held.add(through(relay));
                await().atMost(Duration.ofSeconds(5)).until(() -> relay.openCount() == DelayingRelay.MAX_CONNECTIONS);
                try (Socket extra = through(relay)) {
                    assertEquals(-1, extra.getInputStream().read(), "a connection past the bound is closed");
                }
            } finally {
                for (Socket s : held) s.close();
            }
        }
    }

    @Test
    void badShapesAreRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinkShape.roundTrip(Duration.ofMillis(10)).withLoss(1.5));
        assertTrue(e.getMessage().contains("loss rate"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LinkShape.roundTrip(Duration.ofSeconds(10)));
    }

    private static byte[] sha256(byte[] data) throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }
}
