package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.gates.FirewallRules;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import dev.sshuttle.sys.UnixDatagram;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * systemd Type=notify: the test is systemd, with its own unix datagram socket as
 * $NOTIFY_SOCKET. The first message is READY=1, and at that moment a tunnelled connection
 * works at the first try; STATUS= then counts open connections; SIGTERM sends STOPPING=1.
 */
@ExtendWith(TopologyExtension.class)
class SdNotifyTest {
    private static final Duration IO = Duration.ofSeconds(10);

    @Test
    void readyOnlyOnceATunnelledConnectionWorksThenStatusThenStopping(Topology t) throws Exception {
        Path socket = t.workDir().resolve("notify.sock");
        try (UnixDatagram systemd = UnixDatagram.open().bind(socket.toString())) {
            List<String> argv = new ArrayList<>(List.of("env", "NOTIFY_SOCKET=" + socket));
            argv.addAll(Tunnels.clientJvm());
            argv.addAll(List.of("-e", t.ssh().sshCommand(), "-r", t.ssh().destination(), t.targetSubnet()));
            try (BackgroundProcess client = t.client().start(t.workDir().resolve("notify.log"), argv.toArray(String[]::new))) {
                String first = text(systemd.receive(Tunnels.CONNECT_WITHIN));
                assertNotNull(first, "no notification within " + Tunnels.CONNECT_WITHIN.toSeconds() + " s:\n" + client.tail());
                assertTrue(first.startsWith("READY=1\nSTATUS=Connected to "), first);
                // no retry: READY means a connection made now is tunnelled
                TunnelTransfers.echoWithHalfClose(t, "ready means ready", IO);
                try (Socket held = t.client().connect(t.echo(), IO)) {
                    String status = awaitMessage(systemd, "1 connection open");
                    assertTrue(status.startsWith("STATUS=Connected to "), status);
                }
                assertEquals(0, client.terminate(IO), client.tail());
                awaitMessage(systemd, "STOPPING=1");
                FirewallRules.assertNoneLeft(t.client(), "SIGTERM");
            }
        } finally {
            Files.deleteIfExists(socket);
        }
    }

    /** The first message containing text within 15 s (fails naming what came instead). */
    private static String awaitMessage(UnixDatagram socket, String text) throws IOException {
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            String m = text(socket.receive(Duration.ofSeconds(1)));
            if (m == null) continue;
            if (m.contains(text)) return m;
            seen.add(m);
        }
        throw new AssertionError("no notification with '" + text + "'; got " + seen);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
