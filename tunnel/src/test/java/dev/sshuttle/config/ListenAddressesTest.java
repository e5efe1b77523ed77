package dev.sshuttle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ListenAddressesTest {

    static InetSocketAddress at(String ip, int port) throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    static ListenAddresses parse(String text) {
        return ListenAddresses.parse(text, SubnetParserTest.TABLE);
    }

    @Test
    void defaultsAreLoopbackOnASearchedPort() throws UnknownHostException {
        ListenAddresses d = ListenAddresses.defaults(false);
        assertEquals(at("127.0.0.1", 0), d.ipv4());
        assertEquals(at("::1", 0), d.ipv6());
        assertFalse(d.explicit());
        assertTrue(ListenAddresses.searchesPort(d.ipv4()));
        assertNull(ListenAddresses.defaults(true).ipv6());
    }

    @Test
    void aBareNumberListensOnAllInterfaces() throws UnknownHostException {
        ListenAddresses l = parse("12300");
        assertEquals(at("0.0.0.0", 12300), l.ipv4());
        assertNull(l.ipv6(), "only a v4 address given: IPv6 is off");
        assertTrue(l.explicit());
    }

    @Test
    void ipAndPortForms() throws UnknownHostException {
        assertEquals(at("127.0.0.1", 0), parse("127.0.0.1").ipv4());
        assertEquals(at("0.0.0.0", 0), parse("0.0.0.0:0").ipv4());
        assertEquals(at("::1", 0), parse("[::1]").ipv6());
        assertEquals(at("::", 9000), parse("[::]:9000").ipv6());
        assertEquals(at("198.51.100.9", 80), parse("one.test:80").ipv4());
    }

    @Test
    void commaSeparatedGivesOnePerFamilyTheLastWins() throws UnknownHostException {
        ListenAddresses l = parse("127.0.0.1:1000,[::1]:1001,0.0.0.0:1002");
        assertEquals(at("0.0.0.0", 1002), l.ipv4());
        assertEquals(at("::1", 1001), l.ipv6());
    }

    @Test
    void aDualStackNameTakesItsIpv4Address() throws UnknownHostException {
        assertEquals(at("192.0.2.7", 5), parse("dual.test:5").ipv4());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "::1", "1.2.3.4:", "1.2.3.4:70000", "[::1]:x", "1.2.3.4,", "no-such.test:1", "a b"})
    void rejects(String text) {
        var e = assertThrows(BadArgumentException.class, () -> parse(text));
        assertTrue(e.getMessage().startsWith("bad -l/--listen"), e.getMessage());
    }
}
