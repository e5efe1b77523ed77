package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * --channels with the builtin ssh (MINA SSHD): it opens the extra direct-streamlocal channels
 * itself and advertises a larger receive window; bulk both ways arrives intact.
 */
@ExtendWith(TopologyExtension.class)
class StripedBuiltinTransportTest {
    private static final Duration IO = Duration.ofSeconds(30);
    private static final long BYTES = 50L << 20;

    @Test
    void builtinSshStripesOverItsOwnChannels(Topology t) throws Exception {
        Path home = t.ssh().clientHome(t.workDir().resolve("home-striped"), "gw", true);
        List<String> argv = Tunnels.clientJvm("-Duser.home=" + home);
        argv.addAll(List.of("-v", "--transport", "builtin", "--agent", "python", "--channels", "4", "-r", "gw", t.targetSubnet()));
        try (BackgroundProcess client = t.client().start(t.workDir().resolve("striped-builtin.log"), argv.toArray(String[]::new))) {
            client.awaitLog("Connected to server", Tunnels.CONNECT_WITHIN);
            assertTrue(client.log().contains("striping over 4 ssh channels"), "not striped; log:\n" + client.tail());
            TunnelTransfers.download(t, BYTES, IO).print("striped builtin");
            TunnelTransfers.upload(t, BYTES, IO).print("striped builtin");
            assertEquals(0, client.terminate(IO), client.tail());
        }
    }
}
