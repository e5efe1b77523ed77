package dev.sshuttle.cli;

import dev.sshuttle.exit.ExitCodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.client.StatusDirectory;
import dev.sshuttle.client.StatusServer;
import dev.sshuttle.client.TunnelStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `sshuttle status` against sockets in a status directory of the test's own ($XDG_RUNTIME_DIR). */
class StatusCommandTest {
    @TempDir
    Path runtime;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int status(String... args) {
        return StatusCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("XDG_RUNTIME_DIR", runtime.toString()));
    }

    @Test
    void aKilledClientsSocketIsRemovedAndALiveOneAnswers() throws Exception {
        Path dir = StatusDirectory.ensure(StatusDirectory.of(Map.of("XDG_RUNTIME_DIR", runtime.toString())));
        Path stale = dir.resolve("999999.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(stale)); // closed without removing its file, as after SIGKILL
        }
        assertEquals(1, status());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no running sshuttle client of yours"), err.toString());
        assertFalse(Files.exists(stale), "the stale socket is gone");

        TunnelStatus s = new TunnelStatus(7, "gw", Duration.ofSeconds(3), true, 0, 0, 1, 2, 0, List.of());
        try (StatusServer live = StatusServer.start(dir, () -> s)) {
            assertEquals(0, status("--json"));
            assertEquals(s.json(), out.toString(StandardCharsets.UTF_8));
            assertEquals(ExitCodes.USAGE, status("--bogus"));
        }
    }
}
