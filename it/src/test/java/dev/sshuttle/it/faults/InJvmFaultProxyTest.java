package dev.sshuttle.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sshuttle.it.gates.ConnectionLoad;
import dev.sshuttle.it.gates.LeakGate;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import java.net.InetAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The toxic contract against the in-JVM fault proxy, on the root namespace's loopback (no root needed). */
class InJvmFaultProxyTest extends ToxicContract {
    private static FaultProxyServer server;

    @BeforeAll
    static void start() {
        server = FaultProxyServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void manyConnectionsThroughTheProxyLeaveNoFdsBehind() throws IOException {
        Proxy p = proxyTo("load", echoAddress());
        LeakGate.Baseline base = LeakGate.baseline(ProcessHandle.current().pid(), "test JVM running the fault proxy");
        ConnectionLoad.Result r = ConnectionLoad.run(Thread.ofPlatform().factory(), FaultProxyServer.listenAddress(p),
                300, 16, 2048, Duration.ofSeconds(30));
        assertEquals(300, r.succeeded(), r.toString());
        LeakGate.assertFdsReturn(base, 10, Duration.ofSeconds(10));
    }

    @Override
    protected ToxiproxyClient toxiproxy() {
        return server.client();
    }

    @Override
    protected String listenAddress() {
        return "127.0.0.1:0";
    }

    @Override
    protected InetSocketAddress dialable(Proxy p) {
        return FaultProxyServer.listenAddress(p);
    }

    @Override
    protected String upstreamFor(InetSocketAddress local) {
        return "127.0.0.1:" + local.getPort();
    }

    @Override
    protected InetAddress serverBind() {
        return InetAddress.getLoopbackAddress();
    }
}
