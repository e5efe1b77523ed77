package dev.sshuttle.net;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class IpTextTest {
    @ParameterizedTest
    @CsvSource({"10.0.0.1, 10.0.0.1", "::, ::", "::1, ::1", "2001:db8:0:0:0:0:0:53, 2001:db8::53",
            "fd00:0:0:0:0:0:0:0, fd00::", "2001:db8:0:1:0:0:0:1, 2001:db8:0:1::1", "1:0:2:0:3:0:4:0, 1:0:2:0:3:0:4:0",
            "1:0:0:2:0:0:0:3, 1:0:0:2::3", "0:0:1:0:0:0:0:0, 0:0:1::"})
    void shortensLikeRfc5952(String given, String expected) {
        assertEquals(expected, IpText.of(java.net.InetAddress.ofLiteral(given)));
    }
}
