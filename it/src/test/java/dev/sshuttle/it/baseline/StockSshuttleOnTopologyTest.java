package dev.sshuttle.it.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sshuttle.it.gates.FirewallRules;
import dev.sshuttle.it.gates.LatencyProbe;
import dev.sshuttle.it.gates.ProcessTree;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.testkit.Prerequisites;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The harness carries a real transparent proxy end to end: Debian's stock sshuttle (python) in
 * the client namespace, with the topology's ssh command, reaches the target through the gateway,
 * and leaves no rule behind. This is the shape of the tunnel's own end-to-end tests.
 */
@ExtendWith(TopologyExtension.class)
class StockSshuttleOnTopologyTest {

    private static BackgroundProcess startSshuttle(Topology t, String log) {
        Prerequisites.requireTools("sshuttle", "iptables");
        BackgroundProcess sshuttle = t.client().start(t.workDir().resolve(log),
                "sshuttle", "--method", "nat", "-e", t.ssh().sshCommand(), "-r", t.ssh().destination(), t.targetSubnet());
        sshuttle.awaitLog("Connected to server", Duration.ofSeconds(30));
        return sshuttle;
    }

    @Test
    void stockSshuttleTunnelsTheClientToTheTarget(Topology t) throws IOException {
        try (BackgroundProcess sshuttle = startSshuttle(t, "sshuttle.log")) {
            ProcessTree.awaitOne(t.gateway(), ProcessTree.agent(), "sshuttle server (python)", Duration.ofSeconds(10));

            try (Socket s = t.client().connect(t.echo(), Duration.ofSeconds(5))) {
                s.setSoTimeout(5000);
                s.setTcpNoDelay(true);
                LatencyProbe.Report r = LatencyProbe.pingPong(s, 50, 32, Duration.ofSeconds(10));
                assertEquals(50, r.samples(), r.summary());
                System.out.println("stock sshuttle echo round trip: " + r.summary());
            }
            // the target saw the connection come from the gateway: it went through the tunnel
            assertEquals(t.gatewayTargetSideIp(), ((InetSocketAddress) t.services().echo().lastPeer()).getAddress());

            sshuttle.terminate(Duration.ofSeconds(15));
            FirewallRules.assertNoneLeft(t.client(), "stock sshuttle exited on SIGTERM");
            ProcessTree.assertNoneLeft(t.gateway(), ProcessTree.agent(), "sshuttle server", Duration.ofSeconds(10));
        }
    }

    @Test
    void stockSshuttleLeavesNoRuleAfterSigkill(Topology t) {
        try (BackgroundProcess sshuttle = startSshuttle(t, "sshuttle-kill.log")) {
            sshuttle.kill();
            // its firewall helper sees EOF on stdin and removes the rules: the design our client keeps
            FirewallRules.assertNoneLeft(t.client(), "SIGKILL of stock sshuttle");
        }
    }
}
