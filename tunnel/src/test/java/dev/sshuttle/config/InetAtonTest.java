package dev.sshuttle.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Expected values are glibc's (python3 socket.getaddrinfo on this machine). */
class InetAtonTest {

    @ParameterizedTest
    @CsvSource({
            "10, 0.0.0.10",
            "192.168.1, 192.168.0.1",
            "010.0.0.1, 8.0.0.1",
            "0x0a.1, 10.0.0.1",
            "4294967295, 255.255.255.255",
            "1.0x10000, 1.1.0.0",
            "127.1, 127.0.0.1",
            "0, 0.0.0.0",
    })
    void readsLikeGlibc(String text, String dotted) {
        String[] parts = dotted.split("\\.");
        byte[] expected = new byte[4];
        for (int i = 0; i < 4; i++) expected[i] = (byte) Integer.parseInt(parts[i]);
        assertArrayEquals(expected, InetAton.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3.4.5", "256.1.1.1", "4294967296", "1..2", ".1", "1.", "08", "1.2.3.256", "a.b", "example.com", "", "0x", "1.0x"})
    void rejects(String text) {
        assertNull(InetAton.parse(text));
    }
}
