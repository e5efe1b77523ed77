package dev.sshuttle.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.testkit.Prerequisites;
import dev.sshuttle.transport.AgentBootstrap;
import dev.sshuttle.transport.AgentLaunch;
import dev.sshuttle.mux.AgentOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The end of a run: the rules go before the listener closes. The other way round, another
 * local user could bind the freed port while the rules still send captured connections there.
 */
class TunnelClientCleanupOrderTest {
    @Test
    void theFirewallIsRemovedWhileTheListenerStillHoldsItsPort() throws Exception {
        Prerequisites.require(java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/python3")), "needs python3");
        List<String> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> installed = new CompletableFuture<>();
        int[] port = new int[1];
        Firewall recording = new Firewall() {
            public void install(int p, List<InetSocketAddress> l, List<InetAddress> n, String r) {
                port[0] = p;
                installed.complete(null);
            }

            public void close() {
                if (port[0] == 0) return;
                try (ServerSocket squatter = new ServerSocket()) {
                    squatter.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port[0]));
                    seen.add("port " + port[0] + " was free while the rules were still in");
                } catch (IOException stillBound) {
                    seen.add("listener still bound");
                }
            }
        };
        AgentBootstrap python = AgentBootstrap.python();
        byte[] preamble = python.stdinPreamble(AgentOptions.defaults(2));
        AgentLaunch launch = new AgentLaunch() {
            public String remoteCommand() {
                return python.remoteCommand();
            }

            public byte[] preamble() {
                return preamble;
            }
        };
        TunnelSettings settings = new TunnelSettings(List.of(), null, null, 0, TunnelSettings.AgentKind.PYTHON, null, 2,
                List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), MuxConfig.defaults(), 0, false, null,
                null, false, Duration.ofSeconds(30), false, Duration.ZERO);
        TunnelClient client = new TunnelClient(settings, launch, () -> recording, s -> null, (level, m) -> { },
                () -> { }, code -> null);
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(client::run);
        installed.get(30, TimeUnit.SECONDS);
        client.stop();
        assertEquals(0, run.get(30, TimeUnit.SECONDS));
        assertEquals(List.of("listener still bound"), seen);
        assertTrue(port[0] > 0);
    }
}
