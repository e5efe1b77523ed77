package dev.sshuttle.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status snapshot's three renderings, the status directory's checks, and the socket answering. */
class TunnelStatusTest {
    @TempDir
    Path dir;

    private static final TunnelStatus STATUS = new TunnelStatus(42, "alice@gw", Duration.ofSeconds(75), true, 1, 1_500_000,
            5_000, 7_000, 2, List.of(new TunnelStatus.Connection(1, "10.0.0.1:80", 100, 2_000_000, Duration.ofSeconds(3)),
                    new TunnelStatus.Connection(3, "10.0.0.1:80", 50, 10, Duration.ofSeconds(1)),
                    new TunnelStatus.Connection(4, "[fd00::1]:22", 7, 8, Duration.ZERO)));

    @Test
    void textJsonAndMetrics() {
        String text = STATUS.text();
        assertTrue(text.startsWith("sshuttle (Java) pid 42: connected to alice@gw, up 1m15s, 1 reconnect\n"), text);
        assertTrue(text.contains("mux round trip 1.5 ms") && text.contains("3 connections open, by destination:"), text);
        assertTrue(text.contains("10.0.0.1:80") && text.contains("   2  out      150 B  in     2.0 MB"), text);
        String json = STATUS.json();
        assertTrue(json.contains("\"rtt_ms\": 1.500") && json.contains("{\"channel\": 4, \"destination\": \"[fd00::1]:22\", \"bytes_out\": 7"), json);
        String metrics = STATUS.metrics();
        assertTrue(metrics.contains("\nsshuttle_connections_open 3\n") && metrics.contains("\nsshuttle_rtt_seconds 0.001500\n"), metrics);
        assertTrue(metrics.contains("sshuttle_destination_connections{destination=\"10.0.0.1:80\"} 2\n"), metrics);
        assertTrue(metrics.contains("sshuttle_destination_bytes{destination=\"10.0.0.1:80\",direction=\"in\"} 2000010\n"), metrics);
    }

    @Test
    void theSocketAnswersEachRequestAndGoesAway() throws Exception {
        Path d = StatusDirectory.ensure(dir.resolve("run"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
        try (StatusServer server = StatusServer.start(d, () -> STATUS)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(server.path())));
            assertEquals(STATUS.json(), ask(server.path(), "json"));
            assertEquals(STATUS.text(), ask(server.path(), "text"));
            assertTrue(ask(server.path(), "what").startsWith("unknown request 'what'"));
        }
        assertTrue(Files.list(d).findAny().isEmpty(), "the socket is removed on close");
    }

    @Test
    void aStatusDirectoryOpenToOthersOrNotADirectoryIsRefused() throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThrows(IOException.class, () -> StatusDirectory.ensure(open));
        Path target = Files.createDirectory(dir.resolve("target"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        assertThrows(IOException.class, () -> StatusDirectory.ensure(link));
        assertEquals(Path.of("/run/user/1000", "sshuttle-java").getFileName(),
                StatusDirectory.of(Map.of("XDG_RUNTIME_DIR", dir.toString())).getFileName());
    }

    private static String ask(Path socket, String request) throws IOException {
        try (var c = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            c.connect(java.net.UnixDomainSocketAddress.of(socket));
            c.write(java.nio.ByteBuffer.wrap((request + "\n").getBytes()));
            return new String(java.nio.channels.Channels.newInputStream(c).readAllBytes());
        }
    }
}
