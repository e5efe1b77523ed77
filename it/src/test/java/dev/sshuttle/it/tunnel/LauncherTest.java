package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
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
            Tunnels.assertHttpThroughTunnel(t);
            assertEquals(0, client.terminate(Duration.ofSeconds(10)), client.tail());
        }
    }
}
