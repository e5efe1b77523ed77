package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** --channels where the extra channels cannot be had: the session runs on one channel and says so at -v. */
@ExtendWith(TopologyExtension.class)
class StripingFallbackTest {
    private static final Duration IO = Duration.ofSeconds(10);

    @Test
    void sshWithoutTheForwardFallsBackToOneChannel(Topology t) throws Exception {
        // ClearAllForwardings drops our -L: no extra channel can open, as when the server refuses them
        String ssh = t.ssh().sshCommand() + " -o ClearAllForwardings=yes";
        try (BackgroundProcess client = Tunnels.startVia(t, "striping-fallback", ssh, t.ssh().destination(),
                "-v", "--agent", "python", "--channels", "4", t.targetSubnet())) {
            client.awaitLog("Connected to server", Tunnels.CONNECT_WITHIN);
            assertTrue(client.log().contains("ssh did not open extra channels"), "no fallback message at -v; log:\n" + client.tail());
            try (Socket s = t.client().connect(t.echo(), IO)) {
                s.setSoTimeout((int) IO.toMillis());
                s.getOutputStream().write("one channel".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                assertEquals("one channel", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            }
            assertEquals(0, client.terminate(IO), client.tail());
        }
    }
}
