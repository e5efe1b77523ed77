package dev.sshuttle.it.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.gates.LatencyProbe;
import dev.sshuttle.it.target.EchoService;
import dev.sshuttle.it.target.SourceService;
import dev.sshuttle.it.target.TestPattern;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import eu.rekawek.toxiproxy.model.toxic.Latency;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every toxic does, measured, through toxiproxy-java only. Runs against the in-JVM fault
 * proxy and, where Docker runs, against the real Toxiproxy: both must pass the same numbers.
 * Sizes are small so the whole contract takes a few seconds.
 */
abstract class ToxicContract {
    private EchoService echo;
    private SourceService source;

    /**
     * A NEW client to the proxy under test. toxiproxy-java's reset() re-reads every proxy that
     * client ever handed out, and fails on one deleted since; fresh clients keep tests apart.
     */
    protected abstract ToxiproxyClient toxiproxy();

    /** The listen address for a new proxy. */
    protected abstract String listenAddress();

    /** Where the test connects to reach the proxy p. */
    protected abstract InetSocketAddress dialable(Proxy p);

    /** How the proxy reaches a server the test runs at local. */
    protected abstract String upstreamFor(InetSocketAddress local);

    /** Where the test's own servers bind. */
    protected abstract InetAddress serverBind();

    /** Skips each test with the reason when the proxy under test cannot run here. */
    protected void assumeAvailable() {}

    /** The test's echo server (as the proxy's upstream). */
    protected InetSocketAddress echoAddress() {
        return echo.address();
    }

    @BeforeEach
    void startServers() throws IOException {
        assumeAvailable();
        echo = new EchoService(new ServerSocket(0, 50, serverBind()));
        echo.start();
        source = new SourceService(new ServerSocket(0, 50, serverBind()));
        source.start();
    }

    @AfterEach
    void stopServers() throws IOException {
        if (echo == null) return; // skipped
        for (Proxy p : toxiproxy().getProxies()) p.delete();
        echo.close();
        source.close();
    }

    protected Proxy proxyTo(String name, InetSocketAddress upstream) throws IOException {
        return toxiproxy().createProxy(name, listenAddress(), upstreamFor(upstream));
    }

    private Socket connect(Proxy p) throws IOException {
        Socket s = new Socket();
        s.connect(dialable(p), 5000);
        s.setSoTimeout(5000);
        s.setTcpNoDelay(true);
        return s;
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void withoutToxicsBytesPassUnchanged() throws IOException {
        Proxy p = proxyTo("plain", source.address());
        try (Socket s = connect(p)) {
            s.getOutputStream().write(SourceService.request(100_000));
            byte[] got = s.getInputStream().readAllBytes();
            byte[] want = new byte[100_000];
            TestPattern.fill(want, want.length, 0);
            assertArrayEquals(want, got);
        }
    }

    @Test
    void latencyOnBothDirectionsAddsTwiceToTheRoundTrip() throws IOException {
        Proxy p = proxyTo("latency", echo.address());
        p.toxics().latency("up", ToxicDirection.UPSTREAM, 100);
        p.toxics().latency("down", ToxicDirection.DOWNSTREAM, 100);
        try (Socket s = connect(p)) {
            LatencyProbe.Report r = LatencyProbe.pingPong(s, 4, 16, Duration.ofSeconds(5));
            assertTrue(r.min().toMillis() >= 200, "latency 100 ms each way, but min RTT " + r.summary());
            r.assertPercentileBelow(100, Duration.ofMillis(700), "proxy with 2 x 100 ms latency");
        }
    }

    @Test
    void jitterSpreadsTheRoundTrips() throws IOException {
        Proxy p = proxyTo("jitter", echo.address());
        p.toxics().latency("down", ToxicDirection.DOWNSTREAM, 60).setJitter(50);
        try (Socket s = connect(p)) {
            LatencyProbe.Report r = LatencyProbe.pingPong(s, 12, 16, Duration.ofSeconds(5));
            assertTrue(r.max().toMillis() - r.min().toMillis() >= 10, "jitter 50 ms but RTTs barely vary: " + r.summary());
            assertTrue(r.min().toMillis() >= 9 && r.max().toMillis() < 400, "RTTs outside 60+-50 ms: " + r.summary());
        }
    }

    @Test
    void toxicityZeroNeverApplies() throws IOException {
        Proxy p = proxyTo("toxicity", echo.address());
        p.toxics().latency("down", ToxicDirection.DOWNSTREAM, 300).setToxicity(0f);
        try (Socket s = connect(p)) {
            LatencyProbe.Report r = LatencyProbe.pingPong(s, 5, 16, Duration.ofSeconds(5));
            r.assertPercentileBelow(100, Duration.ofMillis(250), "proxy with a 0-toxicity latency toxic"); // 300 if applied
        }
    }

    @Test
    void bandwidthLimitsThroughput() throws IOException {
        Proxy p = proxyTo("bandwidth", source.address());
        p.toxics().bandwidth("down", ToxicDirection.DOWNSTREAM, 100); // 100 KB/s
        int n = 60_000;
        try (Socket s = connect(p)) {
            long t0 = System.nanoTime();
            s.getOutputStream().write(SourceService.request(n));
            int got = s.getInputStream().readAllBytes().length;
            long ms = millisSince(t0);
            assertEquals(n, got);
            assertTrue(ms >= 450 && ms <= 2000, "60 KB at 100 KB/s should take ~600 ms, took " + ms + " ms");
        }
    }

    @Test
    void slicerDeliversSmallDelayedPieces() throws IOException {
        Proxy p = proxyTo("slicer", echo.address());
        p.toxics().slicer("down", ToxicDirection.DOWNSTREAM, 100, 0).setDelay(3000); // 3 ms apart
        byte[] payload = new byte[4000];
        TestPattern.fill(payload, payload.length, 0);
        try (Socket s = connect(p)) {
            long t0 = System.nanoTime();
            s.getOutputStream().write(payload);
            InputStream in = s.getInputStream();
            byte[] got = new byte[payload.length];
            int reads = 0;
            for (int off = 0, r; off < got.length; off += r, reads++) r = in.read(got, off, got.length - off);
            long ms = millisSince(t0);
            assertArrayEquals(payload, got);
            assertTrue(reads >= 10, "40 slices of 100 bytes arrived in only " + reads + " reads");
            assertTrue(ms >= 80, "39 gaps of 3 ms should take >= 117 ms, took " + ms + " ms");
        }
    }

    @Test
    void slowCloseDelaysTheClose() throws IOException {
        Proxy p = proxyTo("slow_close", source.address());
        p.toxics().slowClose("down", ToxicDirection.DOWNSTREAM, 400);
        try (Socket s = connect(p)) {
            long t0 = System.nanoTime();
            s.getOutputStream().write(SourceService.request(10));
            assertEquals(10, s.getInputStream().readAllBytes().length);
            long ms = millisSince(t0);
            assertTrue(ms >= 380 && ms < 3000, "close delayed by 400 ms, but EOF came after " + ms + " ms");
        }
    }

    @Test
    void timeoutHoldsDataThenCloses() throws IOException {
        Proxy p = proxyTo("timeout", echo.address());
        try (Socket s = connect(p)) {
            // the clock starts before the toxic: its timer runs from when it is added, and the API's
            // answer can come tens of ms later on a busy machine
            long t0 = System.nanoTime();
            p.toxics().timeout("up", ToxicDirection.UPSTREAM, 400);
            s.getOutputStream().write("ping".getBytes());
            int first;
            try {
                first = s.getInputStream().read();
            } catch (SocketException reset) {
                first = -1;
            }
            long ms = millisSince(t0);
            assertEquals(-1, first, "data passed a timeout toxic");
            assertTrue(ms >= 350 && ms < 3000, "timeout 400 ms, but the connection ended after " + ms + " ms");
        }
    }

    @Test
    void resetPeerResetsTheConnection() throws IOException {
        Proxy p = proxyTo("reset_peer", echo.address());
        p.toxics().resetPeer("up", ToxicDirection.UPSTREAM, 0);
        try (Socket s = connect(p)) {
            s.getOutputStream().write("hello".getBytes());
            SocketException e = assertThrows(SocketException.class, () -> s.getInputStream().read());
            assertTrue(e.getMessage().toLowerCase().contains("reset"), "expected a reset, got " + e);
        }
    }

    @Test
    void limitDataClosesAfterTheLimit() throws IOException {
        Proxy p = proxyTo("limit_data", source.address());
        p.toxics().limitData("down", ToxicDirection.DOWNSTREAM, 1000);
        try (Socket s = connect(p)) {
            s.getOutputStream().write(SourceService.request(5000));
            int got;
            try {
                got = s.getInputStream().readAllBytes().length;
            } catch (SocketException reset) {
                got = -1;
            }
            assertEquals(1000, got, "limit_data 1000 must pass exactly 1000 bytes, then close");
        }
    }

    @Test
    void disableDropsConnectionsAndRefusesNewOnes() throws IOException {
        Proxy p = proxyTo("disable", echo.address());
        InetSocketAddress at = dialable(p);
        try (Socket s = connect(p)) {
            s.getOutputStream().write(1);
            assertEquals(1, s.getInputStream().read());
            p.disable();
            int after;
            try {
                after = s.getInputStream().read();
            } catch (SocketException reset) {
                after = -1;
            }
            assertEquals(-1, after, "connection survived disable");
        }
        assertFalse(p.isEnabled());
        assertThrows(IOException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(at, 2000);
                s.setSoTimeout(2000);
                s.getOutputStream().write(1);
                if (s.getInputStream().read() == -1) throw new IOException("closed at once");
            }
        });
        p.enable();
        try (Socket s = connect(p)) {
            s.getOutputStream().write(7);
            assertEquals(7, s.getInputStream().read());
        }
    }

    /** The container tests reuse one port for every proxy: a DELETE must leave it free at once. */
    @Test
    void aDeletedProxysPortCanBeListenedOnAgainAtOnce() throws IOException {
        String listen = proxyTo("again", echo.address()).getListen();
        for (int i = 0; i < 100; i++) {
            toxiproxy().getProxy("again").delete();
            toxiproxy().createProxy("again", listen, upstreamFor(echo.address()));
        }
    }

    @Test
    void apiListsUpdatesAndResetsToxics() throws IOException {
        Proxy p = proxyTo("api", echo.address());
        Latency lag = p.toxics().latency("lag", ToxicDirection.DOWNSTREAM, 10);
        lag.setLatency(20);
        assertEquals(20, p.toxics().get("lag", Latency.class).getLatency());
        p.toxics().bandwidth("bw", ToxicDirection.UPSTREAM, 500);
        assertEquals(2, p.toxics().getAll().size());
        assertTrue(toxiproxy().getProxies().stream().anyMatch(x -> x.getName().equals("api")));
        IOException dup = assertThrows(IOException.class, () -> proxyTo("api", echo.address()));
        assertTrue(dup.getMessage().contains("409"), dup.getMessage());
        p.toxics().get("bw").remove();
        assertEquals(1, p.toxics().getAll().size());
        toxiproxy().reset();
        assertEquals(0, p.toxics().getAll().size());
        assertFalse(toxiproxy().version().isBlank());
    }
}
