package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.gates.FirewallRules;
import dev.sshuttle.it.target.SinkService;
import dev.sshuttle.it.target.SourceService;
import dev.sshuttle.it.target.TestPattern;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Traffic through the real tunnel: client namespace -> iptables -> sshuttle.jar -> OpenSSH ->
 * agent in the gateway namespace -> target. The target is reachable only through the tunnel.
 * One subclass per agent.
 */
@ExtendWith(TopologyExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TunnelDataContract {
    static final long BULK_BYTES = 100L << 20;
    static final Duration IO = Duration.ofSeconds(10);

    private BackgroundProcess tunnel;

    /** Extra client arguments that choose the agent. */
    abstract String[] agentArgs();

    /** What the client logged so far. */
    String clientLog() {
        return tunnel.log();
    }

    @BeforeAll
    void startTunnel(Topology t) {
        List<String> args = new ArrayList<>(List.of(agentArgs()));
        args.add(t.targetSubnet());
        tunnel = Tunnels.connected(t, getClass().getSimpleName(), args.toArray(String[]::new));
    }

    @AfterAll
    void stopTunnel(Topology t) {
        if (tunnel == null) return;
        int code = tunnel.terminate(Duration.ofSeconds(15));
        assertEquals(0, code, "SIGTERM must end the client cleanly; log:\n" + tunnel.tail());
        FirewallRules.assertNoneLeft(t.client(), "SIGTERM of the client");
    }

    @Test
    void directPathIsClosedSoOnlyTheTunnelCarries(Topology t) {
        assertTrue(FirewallRules.sshuttleRules(t.client()).size() > 0, "the client installed no rules");
    }

    @Test
    void httpFetch(Topology t) throws Exception {
        String reply = Tunnels.assertHttpThroughTunnel(t);
        assertTrue(reply.contains("hello from target"), reply);
    }

    @Test
    void upload100MbIsByteIdentical(Topology t) throws Exception {
        try (Socket s = t.client().connect(t.sink(), IO)) {
            s.setSoTimeout(60_000);
            long t0 = System.nanoTime();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[1 << 20];
            for (long off = 0; off < BULK_BYTES; off += buf.length) {
                TestPattern.fill(buf, buf.length, off);
                out.write(buf);
            }
            s.shutdownOutput();
            String receipt = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%s: 100 MiB upload in %.2f s (%.0f MB/s)%n", getClass().getSimpleName(), secs, BULK_BYTES / 1e6 / secs);
            assertEquals(SinkService.receipt(BULK_BYTES, TestPattern.crc32(BULK_BYTES)).strip(), receipt.strip());
        }
    }

    @Test
    void download100MbIsByteIdentical(Topology t) throws Exception {
        try (Socket s = t.client().connect(t.source(), IO)) {
            s.setSoTimeout(60_000);
            SourceService.Download d = SourceService.download(s, BULK_BYTES);
            System.out.printf("%s: 100 MiB download in %.2f s (%.0f MB/s)%n", getClass().getSimpleName(), d.seconds(), d.mbPerSecond());
            assertEquals(BULK_BYTES, d.bytes());
            assertEquals(TestPattern.crc32(BULK_BYTES), d.crc32());
        }
    }

    @Test
    void halfCloseStillGetsTheAnswer(Topology t) throws Exception {
        try (Socket s = t.client().connect(t.echo(), IO)) {
            s.setSoTimeout((int) IO.toMillis());
            s.getOutputStream().write("after my EOF, answer me".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertEquals("after my EOF, answer me", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void connectToAClosedRemotePortIsAResetWithinOneSecond(Topology t) throws Exception {
        long start = System.nanoTime();
        Socket connected;
        try {
            connected = t.client().connect(new InetSocketAddress(t.targetIp(), 1), IO);
        } catch (SocketException resetAlready) {
            // the reset can beat the connect's own completion (the listener accepted, the agent
            // was refused at once): the kernel then reports it from connect()
            assertTrue(resetAlready.getMessage().contains("reset"), "a reset, got: " + resetAlready);
            assertTrue((System.nanoTime() - start) / 1_000_000 < 1000, "reset took over a second");
            return;
        }
        try (Socket s = connected) {
            s.setSoTimeout(5000);
            long t0 = System.nanoTime();
            SocketException e = assertThrows(SocketException.class, () -> s.getInputStream().read(),
                    "a refused remote connect must reach the application as a reset, not a clean EOF");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("%s: refused remote connect seen as '%s' after %d ms%n", getClass().getSimpleName(), e.getMessage(), ms);
            assertTrue(ms < 1000, "reset took " + ms + " ms");
        }
    }

    @Test
    void remotePeerResetIsSeenAsAReset(Topology t) throws Exception {
        InetSocketAddress at = new InetSocketAddress(t.targetIp(), 4444);
        try (ServerSocket server = t.target().listen(at)) {
            CompletableFuture<Void> resetter = CompletableFuture.runAsync(() -> {
                try (Socket peer = server.accept()) {
                    peer.getInputStream().read();
                    peer.setSoLinger(true, 0); // RST instead of FIN
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            try (Socket s = t.client().connect(at, IO)) {
                s.setSoTimeout(5000);
                s.getOutputStream().write('x');
                assertThrows(SocketException.class, () -> {
                    while (s.getInputStream().read() >= 0) {
                        // drain until the reset arrives
                    }
                }, "an RST from the remote peer must not look like a clean close");
            }
            resetter.get();
        }
    }

    @Test
    void thousandConcurrentConnectionsAllComplete(Topology t) throws Exception {
        int n = 1000;
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) sockets.add(t.client().connect(t.echo(), IO));
            List<CompletableFuture<Boolean>> results = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < n; i++) {
                    Socket s = sockets.get(i);
                    byte[] msg = ("connection " + i).getBytes(StandardCharsets.US_ASCII);
                    results.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            s.setSoTimeout(30_000);
                            s.getOutputStream().write(msg);
                            s.shutdownOutput();
                            return java.util.Arrays.equals(msg, s.getInputStream().readAllBytes());
                        } catch (IOException e) {
                            return false;
                        }
                    }, pool));
                }
                long ok = results.stream().filter(CompletableFuture::join).count();
                assertEquals(n, ok, "connections that echoed correctly");
            }
        } finally {
            for (Socket s : sockets) s.close();
        }
    }
}
