package dev.sshuttle.it.gates;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.testkit.Prerequisites;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.opentest4j.AssertionFailedError;

/** The gates on the real topology: agent lookup in the gateway, firewall checker, latency probe. */
@ExtendWith(TopologyExtension.class)
class GatesInTopologyTest {

    @Test
    void findsARemotePythonStartedOverSshInTheGatewayNamespace(Topology t) throws Exception {
        // a stand-in for the agent: python3 started by sshd that lives until its stdin closes,
        // as sshuttle's server does
        Process ssh = t.client().command(t.ssh().sshArgv("exec python3 -c 'import sys; sys.stdin.read()'")
                .toArray(String[]::new)).start();
        try {
            ProcessTree.Proc agent = ProcessTree.awaitOne(t.gateway(), ProcessTree.agent(), "remote python", Duration.ofSeconds(10));
            assertTrue(ProcessTree.descendants(t.ssh().pid()).stream().anyMatch(p -> p.pid() == agent.pid()),
                    "the agent should descend from the gateway's sshd");
            LeakGate.Baseline b = LeakGate.baseline(agent.pid(), "remote agent");
            assertTrue(b.fds() >= 3 && b.rssKb() > 0, b.toString());
        } finally {
            ssh.destroy();
        }
        ProcessTree.assertNoneLeft(t.gateway(), ProcessTree.agent(), "remote python", Duration.ofSeconds(10));
    }

    @Test
    void firewallCheckerSeesAnSshuttleChainAndPassesWhenItIsGone(Topology t) {
        Prerequisites.requireTools("iptables", "nft");
        assertDoesNotThrow(() -> FirewallRules.assertNoneLeft(t.client(), "nothing ran"));
        t.client().runOrThrow("iptables", "-t", "nat", "-N", "sshuttle-12300");
        t.client().runOrThrow("iptables", "-t", "nat", "-A", "OUTPUT", "-j", "sshuttle-12300");
        t.client().runOrThrow("nft", "add", "table", "inet", "sshuttle-12301");
        try {
            List<String> rules = FirewallRules.sshuttleRules(t.client());
            assertTrue(rules.stream().anyMatch(r -> r.contains("-A OUTPUT -j sshuttle-12300")), rules.toString());
            assertTrue(rules.stream().anyMatch(r -> r.contains("table inet sshuttle-12301")), rules.toString());
            AssertionFailedError e = assertThrows(AssertionFailedError.class,
                    () -> FirewallRules.assertNoneLeft(t.client(), "the test", java.time.Duration.ofMillis(300)));
            assertTrue(e.getMessage().contains("firewall rules left in " + t.client().name()), e.getMessage());
        } finally {
            t.client().run("iptables", "-t", "nat", "-D", "OUTPUT", "-j", "sshuttle-12300");
            t.client().run("iptables", "-t", "nat", "-X", "sshuttle-12300");
            t.client().run("nft", "delete", "table", "inet", "sshuttle-12301");
        }
        assertDoesNotThrow(() -> FirewallRules.assertNoneLeft(t.client(), "cleanup"));
    }

    @Test
    void connectionLoadFromTheGatewayLeavesNoConnectionOpenOnTheTarget(Topology t) {
        ConnectionLoad.Result r = ConnectionLoad.run(t.gateway().threadFactory(), t.echo(), 500, 16, 1024, Duration.ofSeconds(30));
        assertEquals(500, r.succeeded(), r.toString());
        assertEquals(500 * 1024L, r.bytesEchoed());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> t.services().openConnections() == 0);
        System.out.println("gateway -> target echo load: " + r);
    }

    @Test
    void latencyProbeMeasuresTheGatewayToTargetEcho(Topology t) throws IOException {
        try (Socket s = t.gateway().connect(t.echo(), Duration.ofSeconds(5))) {
            s.setSoTimeout(5000);
            s.setTcpNoDelay(true);
            LatencyProbe.Report r = LatencyProbe.pingPong(s, 200, 64, Duration.ofSeconds(5));
            assertEquals(200, r.samples());
            r.assertPercentileBelow(99, Duration.ofMillis(250), "veth gateway->target"); // generous: 2 shared cores
            AssertionFailedError e = assertThrows(AssertionFailedError.class,
                    () -> r.assertPercentileBelow(50, Duration.ofNanos(1), "veth gateway->target"));
            assertTrue(e.getMessage().contains("latency too high on veth gateway->target"), e.getMessage());
        }
    }
}
