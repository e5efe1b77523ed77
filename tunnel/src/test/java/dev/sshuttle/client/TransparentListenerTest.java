package dev.sshuttle.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.sys.SocketOptions;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each listen address gets a socket of its own family (router mode listens on 0.0.0.0). */
class TransparentListenerTest {

    @Test
    void wildcardAddressesOfBothFamiliesShareOnePort() throws Exception {
        List<InetSocketAddress> wanted = List.of(
                new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0),
                new InetSocketAddress(InetAddress.getByName("::"), 0));
        try (TransparentListener listener = TransparentListener.bind(wanted)) {
            List<InetSocketAddress> bound = listener.addresses();
            assertEquals(2, bound.size(), bound.toString());
            assertInstanceOf(Inet4Address.class, bound.get(0).getAddress(), "0.0.0.0 must be an IPv4 listener, not dual-stack");
            assertInstanceOf(Inet6Address.class, bound.get(1).getAddress());
            assertEquals(bound.get(0).getPort(), bound.get(1).getPort());
            assertTrue(listener.port() >= 9001 && listener.port() <= 12300, "searched like the original: " + listener.port());
            assertTrue(SocketOptions.isIpv6Only(listener.sockets().get(1)), "the IPv6 socket takes IPv6 only");
        }
    }
}
