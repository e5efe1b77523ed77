package dev.sshuttle.it.faults;

import dev.sshuttle.it.docker.DockerLeftovers;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The toxic contract against a Toxiproxy API served from a container. The test's servers run in
 * the test JVM on 0.0.0.0; the container reaches them as {@code host.docker.internal} (Docker's
 * {@code host-gateway}), which needs no helper image (Testcontainers' exposeHostPorts would pull
 * one), and the test dials the proxies at the container's bridge address. The JVM must therefore
 * share the daemon's network namespace (a Linux host; CI runs the test JVM in its daemon's).
 */
abstract class ContainerToxicContract extends ToxicContract {
    static final int CONTROL_PORT = 8474;
    static final int PROXIED_PORT = 8666; // each test deletes its proxy, so one port suffices

    /** The running container with the Toxiproxy API (started by the subclass's @BeforeAll). */
    protected abstract GenericContainer<?> container();

    /** A started container of image that serves the API on 8474 and proxies on 8666; never pulls a missing image. */
    static GenericContainer<?> start(String image) {
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image))
                .withExposedPorts(CONTROL_PORT, PROXIED_PORT)
                .withExtraHost("host.docker.internal", "host-gateway")
                .withLabel(DockerLeftovers.OWNER_LABEL, DockerLeftovers.owner())
                .waitingFor(Wait.forHttp("/version").forPort(CONTROL_PORT).withStartupTimeout(Duration.ofMinutes(2)));
        c.start();
        return c;
    }

    @Override
    protected ToxiproxyClient toxiproxy() {
        return new ToxiproxyClient(container().getHost(), container().getMappedPort(CONTROL_PORT));
    }

    @Override
    protected String listenAddress() {
        return "0.0.0.0:" + PROXIED_PORT;
    }

    /**
     * The container's own address on the bridge, not the published port: Docker's userland port
     * proxy ends its side of a connection with a FIN when the container's side was reset, which
     * would hide reset_peer (and any proxy's RST) from the test.
     */
    @Override
    protected InetSocketAddress dialable(Proxy p) {
        String ip = container().getContainerInfo().getNetworkSettings().getNetworks().values().iterator().next().getIpAddress();
        return new InetSocketAddress(ip, PROXIED_PORT);
    }

    @Override
    protected String upstreamFor(InetSocketAddress local) {
        return "host.docker.internal:" + local.getPort();
    }

    @Override
    protected InetAddress serverBind() {
        try {
            return InetAddress.getByName("0.0.0.0"); // the container reaches the test's servers from outside
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
