package dev.sshuttle.it.lfn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.target.TestPattern;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import dev.sshuttle.it.tunnel.Tunnels;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Correctness under striping on a real long link: the ssh connection through the delaying relay
 * (50 ms round trip), the client with --channels auto, and 1 GiB through the target's echo
 * service, both ways at once; what comes back must match what was sent by SHA-256.
 */
@ExtendWith(TopologyExtension.class)
class StripedTransferThroughRelayTest {
    static final long BYTES = Long.getLong("lfn.transfer.bytes", 1L << 30);
    static final Duration WITHIN = Duration.ofMinutes(4);

    @ParameterizedTest
    @ValueSource(strings = {"java", "python"})
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void oneGibEachWayMatchesBySha256(String agent, Topology t) throws Exception {
        InetSocketAddress sshd = new InetSocketAddress(t.gatewayIp(), t.ssh().port());
        try (DelayingRelay relay = DelayingRelay.start(t.client(), sshd, LinkShape.roundTrip(Duration.ofMillis(50)));
             BackgroundProcess client = Tunnels.startVia(t, "striped-relay-" + agent, t.ssh().sshCommand(relay.port()),
                     "root@127.0.0.1", "-v", "--agent", agent, "--channels", "auto", t.targetSubnet())) {
            client.awaitLog("Connected to server", Tunnels.CONNECT_WITHIN);
            assertTrue(client.log().contains("striping over"), "not striped; log:\n" + client.tail());
            try (Socket s = t.client().connect(t.echo(), Duration.ofSeconds(10))) {
                s.setSoTimeout(60_000);
                long t0 = System.nanoTime();
                CompletableFuture<byte[]> sent = CompletableFuture.supplyAsync(() -> send(s));
                byte[] received = receive(s);
                byte[] expected = sent.get(WITHIN.toSeconds(), TimeUnit.SECONDS);
                double seconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf("%s agent, striped, 50 ms: %d MiB each way in %.1f s (%.0f MB/s each way)%n", agent,
                        BYTES >> 20, seconds, BYTES / 1e6 / seconds);
                assertArrayEquals(expected, received, "the echo's SHA-256 differs from what was sent");
            }
            assertEquals(0, client.terminate(Duration.ofSeconds(15)), client.tail());
        } finally {
            Tunnels.removeUploadedJavaAgent();
        }
    }

    private static byte[] send(Socket s) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[1 << 20];
            for (long off = 0; off < BYTES; off += buf.length) {
                int n = (int) Math.min(buf.length, BYTES - off);
                TestPattern.fill(buf, n, off);
                sha.update(buf, 0, n);
                out.write(buf, 0, n);
            }
            s.shutdownOutput();
            return sha.digest();
        } catch (Exception e) {
            throw new IllegalStateException("sending: " + e, e);
        }
    }

    private static byte[] receive(Socket s) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        InputStream in = s.getInputStream();
        byte[] buf = new byte[1 << 20];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            sha.update(buf, 0, n);
            total += n;
        }
        assertEquals(BYTES, total, "bytes echoed");
        return sha.digest();
    }
}
