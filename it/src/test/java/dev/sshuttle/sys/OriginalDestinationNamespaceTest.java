package dev.sshuttle.sys;

import dev.sshuttle.it.topology.ScratchNamespace;
import dev.sshuttle.testkit.Prerequisites;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SO_ORIGINAL_DST end to end inside a private namespace: a REDIRECT rule sends connections for
 * 10.9.9.9:80 / [fd00:9::9]:80 to a local listener, which must learn the original target.
 */
@NeedsRoot
class OriginalDestinationNamespaceTest {
    private static ScratchNamespace ns;

    @BeforeAll
    static void namespace() {
        Prerequisites.requireRootAndTools("ip", "iptables", "ip6tables");
        ns = ScratchNamespace.create();
        ns.routeFakeRemotes();
    }

    @AfterAll
    static void cleanup() {
        if (ns != null) ns.close();
    }

    @ParameterizedTest(name = "{0} listener on {1}, redirect by {2} of {3}:80")
    @CsvSource({"INET, 127.0.0.1, iptables, 10.9.9.9", "INET6, ::1, ip6tables, fd00:9::9"})
    void redirectYieldsOriginalDestination(StandardProtocolFamily family, String listen, String tool, String target)
            throws Exception {
        try (ServerSocketChannel server = inNs(() -> ServerSocketChannel.open(family)
                .bind(new InetSocketAddress(listen, 0)))) {
            redirect(tool, target, server);
            assertEquals(new InetSocketAddress(target, 80), originalDestinationOfConnection(server, target, 80));
        }
    }

    @Test
    void ipv4OnDualStackListenerIsV4Mapped() throws Exception {
        // the JDK's default ServerSocketChannel is an AF_INET6 socket; v4 clients arrive v4-mapped
        try (ServerSocketChannel server = inNs(() -> ServerSocketChannel.open().bind(new InetSocketAddress(0)))) {
            redirect("iptables", "10.9.9.8", server);
            assertEquals(new InetSocketAddress("10.9.9.8", 80), originalDestinationOfConnection(server, "10.9.9.8", 80));
        }
    }

    @Test
    void directConnectionYieldsItsOwnDestination() throws Exception {
        try (ServerSocketChannel server = inNs(() -> ServerSocketChannel.open(StandardProtocolFamily.INET)
                .bind(new InetSocketAddress("127.0.0.1", 0)))) {
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            assertEquals(new InetSocketAddress("127.0.0.1", port), originalDestinationOfConnection(server, "127.0.0.1", port));
        }
    }

    @Test
    void ipTransparentCanBeSetOnV4AndDualStackListeners() throws Exception {
        for (StandardProtocolFamily family : new StandardProtocolFamily[] {StandardProtocolFamily.INET,
                StandardProtocolFamily.INET6}) {
            try (ServerSocketChannel server = inNs(() -> ServerSocketChannel.open(family))) {
                assertFalse(SocketOptions.isIpTransparent(server), family + " before");
                SocketOptions.setIpTransparent(server);
                assertTrue(SocketOptions.isIpTransparent(server), family + " after");
            }
        }
    }

    @Test
    void closedChannelIsAClearError() throws Exception {
        SocketChannel closed = SocketChannel.open();
        closed.close();
        IOException e = assertThrows(IOException.class, () -> ChannelFd.of(closed));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    private static InetSocketAddress originalDestinationOfConnection(ServerSocketChannel server, String host, int port)
            throws Exception {
        try (SocketChannel client = inNs(SocketChannel::open)) {
            client.connect(new InetSocketAddress(host, port));
            try (SocketChannel accepted = server.accept()) {
                return OriginalDestination.of(accepted);
            }
        }
    }

    private static void redirect(String tool, String address, ServerSocketChannel server) throws IOException {
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        ns.exec(tool, "-w", "-t", "nat", "-A", "OUTPUT", "-d", address, "-p", "tcp", "--dport", "80",
                "-j", "REDIRECT", "--to-ports", Integer.toString(port));
    }

    private static <T> T inNs(dev.sshuttle.it.sys.SocketHome.NsCallable<T> socketFactory) {
        return ns.netns().call(socketFactory);
    }
}
