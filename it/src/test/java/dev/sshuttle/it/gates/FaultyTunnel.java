package dev.sshuttle.it.gates;

import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.tunnel.SshThroughFaultProxy;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assertions;

/**
 * The real client with its ssh going through the fault proxy (in the client namespace, in front
 * of the gateway's sshd) with mild latency and jitter both ways, and its agent found in the
 * gateway namespace. Closing kills whatever is left (by PID) and the proxy.
 */
final class FaultyTunnel implements AutoCloseable {
    static final int LATENCY_MS = 2;
    static final int JITTER_MS = 1;
    private static final Duration FIND_AGENT_WITHIN = Duration.ofSeconds(20);

    private final SshThroughFaultProxy faults;
    private final BackgroundProcess client;
    private final ProcessTree.Proc agent;

    private FaultyTunnel(SshThroughFaultProxy faults, BackgroundProcess client, ProcessTree.Proc agent) {
        this.faults = faults;
        this.client = client;
        this.agent = agent;
    }

    /** Starts the client with `clientArgs` (agent choice) capturing the target subnet. */
    static FaultyTunnel start(Topology t, String name, String... clientArgs) throws IOException {
        SshThroughFaultProxy faults = SshThroughFaultProxy.start(t);
        BackgroundProcess client = null;
        try {
            Proxy ssh = faults.proxy();
            ssh.toxics().latency("lag-down", ToxicDirection.DOWNSTREAM, LATENCY_MS).setJitter(JITTER_MS);
            ssh.toxics().latency("lag-up", ToxicDirection.UPSTREAM, LATENCY_MS).setJitter(JITTER_MS);
            List<String> args = new ArrayList<>(List.of(clientArgs));
            args.add(t.targetSubnet());
            client = faults.connectedClient(name, args.toArray(String[]::new));
            ProcessTree.Proc agent = ProcessTree.awaitOne(t.gateway(), ProcessTree.agent(), name + "'s agent", FIND_AGENT_WITHIN);
            return new FaultyTunnel(faults, client, agent);
        } catch (IOException | RuntimeException | AssertionError e) {
            if (client != null) client.close();
            faults.close();
            throw e;
        }
    }

    /** How the test ends the client. */
    enum Exit { SIGTERM, SIGKILL }

    /**
     * Ends the client and records the exit gates: SIGTERM exits 0; after either signal no
     * firewall rule of ours is left and the remote agent is gone.
     */
    void stop(Topology t, Exit exit, GateVerdicts gates) {
        if (exit == Exit.SIGTERM) {
            int code = client.terminate(Duration.ofSeconds(15));
            gates.check("exit code after SIGTERM", () -> Assertions.assertEquals(0, code,
                    "SIGTERM must end the client cleanly; log:\n" + client.tail()));
        } else {
            client.kill();
        }
        gates.check("firewall after " + exit, () -> FirewallRules.assertNoneLeft(t.client(), exit + " of the client"))
                .check("agent gone after " + exit, () -> ProcessTree.assertNoneLeft(t.gateway(), ProcessTree.agent(),
                        "the remote agent", Duration.ofSeconds(15)));
    }

    BackgroundProcess client() {
        return client;
    }

    ProcessTree.Proc agent() {
        return agent;
    }

    @Override
    public void close() {
        client.close();
        faults.close();
    }
}
