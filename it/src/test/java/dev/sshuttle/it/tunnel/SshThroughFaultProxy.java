package dev.sshuttle.it.tunnel;

import dev.sshuttle.it.faults.FaultProxyServer;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.model.Toxic;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;

/**
 * A fault proxy in the client namespace between the client's ssh and the gateway's sshd, and
 * clients whose ssh goes through it: every toxic on {@link #proxy()} acts on the tunnel's one
 * ssh connection.
 */
public final class SshThroughFaultProxy implements AutoCloseable {
    private final Topology t;
    private final FaultProxyServer server;
    private final Proxy proxy;

    private SshThroughFaultProxy(Topology t, FaultProxyServer server, Proxy proxy) {
        this.t = t;
        this.server = server;
        this.proxy = proxy;
    }

    public static SshThroughFaultProxy start(Topology t) {
        FaultProxyServer server = FaultProxyServer.start(t.client());
        try {
            String sshd = FaultProxyServer.hostPort(new InetSocketAddress(t.gatewayIp(), t.ssh().port()));
            // a fresh toxiproxy-java client: its reset() would trip over proxies of earlier tests
            return new SshThroughFaultProxy(t, server, server.client().createProxy("ssh", "127.0.0.1:0", sshd));
        } catch (IOException e) {
            server.close();
            throw new UncheckedIOException(e);
        }
    }

    public Proxy proxy() {
        return proxy;
    }

    /** The client through the proxy ({@code -e ssh ... -p PROXY -r root@127.0.0.1}); not yet awaited. */
    BackgroundProcess startClient(String name, String... args) {
        return Tunnels.startVia(t, name, t.ssh().sshCommand(port()), "root@127.0.0.1", args);
    }

    /** {@link #startClient} and wait for "Connected to server". */
    public BackgroundProcess connectedClient(String name, String... args) {
        return Tunnels.connectedVia(t, port(), name, args);
    }

    private int port() {
        return FaultProxyServer.listenAddress(proxy).getPort();
    }

    /** Back to a healthy proxy: every toxic removed, enabled. */
    void heal() throws IOException {
        for (Toxic toxic : proxy.toxics().getAll()) toxic.remove();
        proxy.enable();
    }

    /** Closes the proxy and with it every connection through it. */
    @Override
    public void close() {
        server.close();
    }
}
