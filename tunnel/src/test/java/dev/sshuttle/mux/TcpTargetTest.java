package dev.sshuttle.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TcpTargetTest {
    @Test
    void parsesBothFamiliesAndEncodesBack() throws Exception {
        TcpTarget v4 = parse("2,10.0.0.1,80");
        assertEquals(new TcpTarget(false, "10.0.0.1", 80), v4);
        assertEquals("2,10.0.0.1,80", new String(v4.encode(), StandardCharsets.US_ASCII));
        assertEquals("10.0.0.1:80", v4.toString());

        TcpTarget v6 = parse("10,2001:db8::1,443");
        assertEquals(new TcpTarget(true, "2001:db8::1", 443), v6);
        assertEquals("10,2001:db8::1,443", new String(v6.encode(), StandardCharsets.US_ASCII));
        assertEquals("[2001:db8::1]:443", v6.toString());
        assertEquals(v6, parse("23,2001:db8::1,443"), "any family but 2 is IPv6, as in sshuttle");
        assertEquals(new TcpTarget(true, "::ffff:10.0.0.1", 65535), parse("10,::ffff:10.0.0.1,65535"));
    }

    @Test
    void rejectsAnythingButLiteralAddressesAndValidPorts() {
        assertBad("2,10.0.0.256,80", "malformed TCP_CONNECT '2,10.0.0.256,80': not an IPv4 address for family 2");
        assertBad("2,example.com,80", "malformed TCP_CONNECT '2,example.com,80': not an IPv4 address for family 2");
        assertBad("10,10.0.0.1,80", "malformed TCP_CONNECT '10,10.0.0.1,80': not an IPv6 address for family 10");
        assertBad("2,10.0.0.1,0", "malformed TCP_CONNECT '2,10.0.0.1,0': port out of range");
        assertBad("2,10.0.0.1,65536", "malformed TCP_CONNECT '2,10.0.0.1,65536': port out of range");
        assertBad("2,10.0.0.1,http", "malformed TCP_CONNECT '2,10.0.0.1,http': family and port must be numbers");
        assertBad("2,10.0.0.1", "malformed TCP_CONNECT '2,10.0.0.1': expected family,ip,port");
    }

    @Test
    void errorMessageIsShortAndPrintable() {
        String junk = "2,\u0001\u0002" + "x".repeat(200) + ",80";
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> TcpTarget.parse(junk.getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals("malformed TCP_CONNECT '2,??" + "x".repeat(76) + "...': not an IPv4 address for family 2", e.getMessage());
    }

    private static TcpTarget parse(String text) throws ProtocolException {
        return TcpTarget.parse(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static void assertBad(String text, String message) {
        assertEquals(message, assertThrows(ProtocolException.class, () -> parse(text)).getMessage());
    }
}
