package dev.sshuttle.it.faults;

import dev.sshuttle.it.docker.DockerCheck;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.Testcontainers;
import org.testcontainers.toxiproxy.ToxiproxyContainer;

/**
 * The same toxic contract as the in-JVM proxy, against the real Toxiproxy in a container
 * (Testcontainers). Proves the in-JVM proxy behaves like the real one. Skipped without Docker.
 */
class RealToxiproxyContainerTest extends ToxicContract {
    private static final int PROXIED_PORT = 8666; // the first of the 31 ports the container exposes
    private static ToxiproxyContainer container;

    @BeforeAll
    static void start() {
        if (!DockerCheck.available()) return; // each test reports the skip and its reason
        container = new ToxiproxyContainer("ghcr.io/shopify/toxiproxy:2.5.0");
        container.start();
    }

    @AfterAll
    static void stop() {
        if (container != null) container.stop();
    }

    @Override
    protected void assumeAvailable() {
        DockerCheck.requireDocker();
    }

    @Override
    protected ToxiproxyClient toxiproxy() {
        return new ToxiproxyClient(container.getHost(), container.getControlPort());
    }

    @Override
    protected String listenAddress() {
        return "0.0.0.0:" + PROXIED_PORT; // each test deletes its proxy, so one port suffices
    }

    @Override
    protected InetSocketAddress dialable(Proxy p) {
        return new InetSocketAddress(container.getHost(), container.getMappedPort(PROXIED_PORT));
    }

    @Override
    protected String upstreamFor(InetSocketAddress local) {
        Testcontainers.exposeHostPorts(local.getPort());
        return "host.testcontainers.internal:" + local.getPort();
    }

    @Override
    protected InetAddress serverBind() {
        try {
            return InetAddress.getByName("0.0.0.0"); // the container reaches the host's servers from outside
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
