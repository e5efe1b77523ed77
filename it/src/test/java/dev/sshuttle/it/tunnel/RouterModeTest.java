package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sshuttle.it.sys.Cmd;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Netns;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The client as a router for its LAN: a fourth namespace (a LAN host, named with the run's
 * prefix so the reaper knows it) routes through the client, which listens on 0.0.0.0; the LAN
 * host reaches the target network through the tunnel without running anything itself.
 */
@ExtendWith(TopologyExtension.class)
class RouterModeTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static final String CLIENT_LAN_IP = "192.168.77.1";
    private static final String LAN_HOST_IP = "192.168.77.2";

    @Test
    void aLanHostBehindTheClientReachesTheRemoteNetwork(Topology t) throws Exception {
        Netns lan = Netns.named(t.prefix() + "lan");
        Cmd.run(T, "ip", "netns", "add", lan.name()).orThrow();
        try {
            Cmd.run(T, "ip", "link", "add", "to-lan", "netns", t.client().name(), "type", "veth",
                    "peer", "name", "to-router", "netns", lan.name()).orThrow();
            t.client().runOrThrow("ip", "addr", "add", CLIENT_LAN_IP + "/24", "dev", "to-lan");
            t.client().runOrThrow("ip", "link", "set", "to-lan", "up");
            t.client().runOrThrow("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
            lan.runOrThrow("ip", "link", "set", "lo", "up");
            lan.runOrThrow("ip", "addr", "add", LAN_HOST_IP + "/24", "dev", "to-router");
            lan.runOrThrow("ip", "link", "set", "to-router", "up");
            lan.runOrThrow("ip", "route", "add", "default", "via", CLIENT_LAN_IP);

            // without the tunnel the packets die at the gateway, which does not forward
            assertThrows(IOException.class, () -> lan.connect(t.echo(), Duration.ofSeconds(2)).close());
            try (BackgroundProcess client = Tunnels.connected(t, "router", "-l", "0.0.0.0:0", t.targetSubnet())) {
                try (Socket s = lan.connect(t.echo(), Duration.ofSeconds(10))) {
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write("from the LAN".getBytes(StandardCharsets.US_ASCII));
                    s.shutdownOutput();
                    assertEquals("from the LAN", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
                }
                assertEquals(0, client.terminate(Duration.ofSeconds(10)), client.tail());
            }
        } finally {
            Cmd.run(T, "ip", "netns", "del", lan.name()); // takes its end of the veth pair along
        }
    }
}
