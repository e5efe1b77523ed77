package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import dev.sshuttle.it.tunnel.TunnelTransfers.Transfer;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import eu.rekawek.toxiproxy.model.ToxicList;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A bad but working ssh path (a non-fatal toxic of the fault proxy on the tunnel's ssh
 * connection, both directions) must cost only speed: an upload, a download and a half-closed
 * echo stay byte identical and end with a clean EOF, and the client still stops cleanly.
 */
@ExtendWith(TopologyExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ToxicTransferTest {
    /** Per read: far above any transfer here, so only a hang hits it. */
    private static final Duration IO = Duration.ofSeconds(60);
    private static final Duration STOP_WITHIN = Duration.ofSeconds(20);

    /** Adds one toxic for one direction of the ssh connection. */
    private interface Toxic {
        void add(ToxicList toxics, ToxicDirection direction) throws IOException;
    }

    /** What one client run under a toxic measured. */
    private record Run(Transfer upload, Transfer download, Transfer echo, double stopSeconds) {}

    private SshThroughFaultProxy ssh;

    @BeforeAll
    void startProxy(Topology t) {
        ssh = SshThroughFaultProxy.start(t);
    }

    @AfterAll
    void stopProxy() {
        if (ssh != null) ssh.close();
    }

    @AfterEach
    void healProxy() throws IOException {
        ssh.heal();
    }

    @Test
    void latencyWithJitter(Topology t) throws IOException {
        Run r = underToxic(t, "latency 20±15 ms", 8_000_000, (x, d) -> x.latency("lag-" + d, d, 20).setJitter(15));
        assertTrue(r.echo().seconds() >= 0.010, "the echo crosses both delays, at least 2 x (20 - 15) ms: was the toxic active?");
    }

    @Test
    void bandwidthLimit(Topology t) throws IOException {
        int kbPerSecond = 4000;
        long n = 4_000_000;
        Run r = underToxic(t, "bandwidth 4 MB/s", n, (x, d) -> x.bandwidth("rate-" + d, d, kbPerSecond));
        for (Transfer x : List.of(r.upload(), r.download())) {
            // ssh and mux framing only add bytes, so the payload cannot beat the limit
            assertTrue(x.seconds() >= 0.8 * n / (kbPerSecond * 1000.0),
                    x.what() + " beat the bandwidth limit (" + x.mbPerSecond() + " MB/s): was the toxic active?");
        }
    }

    @Test
    void slicerCutsTheSshStreamIntoTinyRandomChunks(Topology t) throws IOException {
        // 10..390 bytes, 20 µs apart: ssh packets (up to 32 KiB) arrive in many partial reads
        underToxic(t, "slicer 200±190 B", 2_000_000, (x, d) -> x.slicer("slices-" + d, d, 200, 190).setDelay(20));
    }

    @Test
    void slowCloseDelaysOnlyTheSshConnectionsOwnEnd(Topology t) throws IOException {
        // slow_close holds the FIN of the ssh connection itself: tunnelled connections open and
        // close inside it, so only the client's own shutdown meets the delay, and must not wait for it
        int delayMs = 3000;
        Run r = underToxic(t, "slow_close 3 s", 4_000_000, (x, d) -> x.slowClose("slow-" + d, d, delayMs));
        assertTrue(r.stopSeconds() < delayMs / 1000.0, "the client's exit waited " + r.stopSeconds() + " s for the held FIN");
    }

    /**
     * A fresh client through the proxy; once it is connected the toxic goes on both directions,
     * then an upload and a download of `bytes` and a half-closed echo, then SIGTERM (exit 0, no rule left).
     */
    private Run underToxic(Topology t, String label, long bytes, Toxic toxic) throws IOException {
        try (BackgroundProcess tunnel = ssh.connectedClient(label.replaceAll("\\W+", "-"), "-v", t.targetSubnet())) {
            for (ToxicDirection d : ToxicDirection.values()) toxic.add(ssh.proxy().toxics(), d);
            Transfer up = TunnelTransfers.upload(t, bytes, IO).print(label);
            Transfer down = TunnelTransfers.download(t, bytes, IO).print(label);
            Transfer echo = TunnelTransfers.echoWithHalfClose(t, "half-closed under " + label, IO).print(label);
            double stopSeconds = Tunnels.stopCleanly(t, tunnel, STOP_WITHIN, "SIGTERM under " + label);
            System.out.printf("%s: the client exited %.2f s after SIGTERM%n", label, stopSeconds);
            return new Run(up, down, echo, stopSeconds);
        }
    }
}
