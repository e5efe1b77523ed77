package dev.sshuttle.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.gates.ProcessTree;
import dev.sshuttle.it.sys.Cmd;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The fault proxy where the tunnel tests need it: listening in the client namespace, in front of the gateway's sshd. */
@ExtendWith(TopologyExtension.class)
class FaultProxyInClientNamespaceTest {
    private static FaultProxyServer faults;

    @BeforeAll
    static void start(Topology t) {
        faults = FaultProxyServer.start(t.client());
    }

    @AfterAll
    static void stop() {
        if (faults != null) faults.close();
    }

    @AfterEach
    void deleteProxies() throws IOException {
        for (Proxy p : faults.client().getProxies()) p.delete();
    }

    private static Proxy sshProxy(Topology t) throws IOException {
        String sshd = FaultProxyServer.hostPort(new InetSocketAddress(t.gatewayIp(), t.ssh().port()));
        return faults.client().createProxy("ssh", "127.0.0.1:0", sshd);
    }

    private static Cmd.Result sshVia(Topology t, Proxy p, String... remote) {
        int port = FaultProxyServer.listenAddress(p).getPort();
        return t.client().run(t.ssh().sshArgvVia("127.0.0.1", port, remote).toArray(String[]::new));
    }

    @Test
    void sshWorksThroughTheProxyAndSlowsDownWithLatency(Topology t) throws IOException {
        Proxy p = sshProxy(t);
        Cmd.Result direct = sshVia(t, p, "echo", "through");
        assertEquals("through", direct.stdout().strip(), direct::stderr);

        p.toxics().latency("lag", ToxicDirection.DOWNSTREAM, 100);
        long t0 = System.nanoTime();
        Cmd.Result slow = sshVia(t, p, "true");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("ssh true with 100 ms downstream latency: " + ms + " ms");
        assertEquals(0, slow.exitCode(), slow::stderr);
        // an ssh login needs several round trips (version, kex, auth, channel, exec)
        assertTrue(ms >= 400, "ssh with 100 ms latency per round trip took only " + ms + " ms");
    }

    @Test
    void disablingTheProxyKillsALiveSessionAndRefusesLogins(Topology t) throws Exception {
        Proxy p = sshProxy(t);
        int port = FaultProxyServer.listenAddress(p).getPort();
        Process session = t.client().command(t.ssh().sshArgvVia("127.0.0.1", port,
                "exec python3 -c 'import sys; sys.stdin.read()'").toArray(String[]::new)).start();
        try {
            ProcessTree.awaitOne(t.gateway(), ProcessTree.agent(), "remote python of the session", Duration.ofSeconds(10));
            p.disable();
            assertTrue(session.waitFor(10, TimeUnit.SECONDS), "ssh session survived disable");
            assertEquals(255, session.exitValue(), "ssh should report the lost connection");
            assertNotEquals(0, sshVia(t, p, "true").exitCode(), "login passed a disabled proxy");
            p.enable();
            assertEquals(0, sshVia(t, p, "true").exitCode(), "login failed after enable");
        } finally {
            session.destroy();
        }
    }
}
