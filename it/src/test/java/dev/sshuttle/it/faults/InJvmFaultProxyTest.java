package dev.sshuttle.it.faults;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

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
