package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README's main-job command as a user types it: the {@code ./sshuttle} launcher at the top
 * of the repository, {@code -r user@host SUBNET -v}, with {@code -e} only to hand ssh the
 * test's key and port. Then an HTTP fetch reaches a host only the gateway can reach.
 */
@ExtendWith(TopologyExtension.class)
class LauncherTest {

    @Test
    void theReadmeCommandStartsTheTunnel(Topology t) throws Exception {
        Path launcher = Tunnels.jar().getParent().getParent().getParent().resolve("sshuttle");
        assertTrue(Files.isExecutable(launcher), "the launcher must be executable: " + launcher);
        try (BackgroundProcess client = t.client().start(t.workDir().resolve("launcher.log"),
                launcher.toString(), "-e", t.ssh().sshCommand(), "-r", t.ssh().destination(), t.targetSubnet(), "-v")) {
            client.awaitLog("Connected to server", Tunnels.CONNECT_WITHIN);
            try (Socket s = t.client().connect(t.http(), Duration.ofSeconds(10))) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET / HTTP/1.0\r\nHost: target\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertTrue(reply.startsWith("HTTP/1."), "an HTTP answer through the tunnel, got: " + reply);
            }
            assertEquals(0, client.terminate(Duration.ofSeconds(10)), client.tail());
        }
    }
}
