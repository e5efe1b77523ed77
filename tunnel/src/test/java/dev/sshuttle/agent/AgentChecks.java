package dev.sshuttle.agent;

import dev.sshuttle.exit.ExitCodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.mux.Command;
import dev.sshuttle.mux.Frame;
import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.transport.AgentBootstrap;
import java.io.IOException;
import java.net.SocketException;
import java.util.List;

/** Frame-level expectations on an agent, shared by the conformance tests. */
final class AgentChecks {
    private static final int CH = 1;

    private AgentChecks() {}

    /** Under 0002 the connect result comes before anything else on the channel. */
    static void expectFirstOnChannel(AgentConnection a, int command) throws InterruptedException {
        expectFirstOnChannel(a, CH, command);
    }

    static void expectFirstOnChannel(AgentConnection a, int ch, int command) throws InterruptedException {
        Frame f = a.expect(x -> x.channel() == ch, Command.name(command));
        assertEquals(Command.name(command), Command.name(f.command()), "first frame on the channel");
    }

    /** The peer accepts the agent's connection; under 0002 the agent reports it first. */
    static void acceptConnected(AgentConnection a, LocalPeer peer) throws Exception {
        peer.accept();
        if (a.version == ProtocolVersion.V2) expectFirstOnChannel(a, Command.TCP_CONNECTED);
    }

    static String receive(AgentConnection a, int ch, int n) throws InterruptedException {
        StringBuilder s = new StringBuilder();
        while (s.length() < n) s.append(a.expect(ch, Command.TCP_DATA).text());
        return s.toString();
    }

    /** TCP_DATA on the channel up to its TCP_EOF; any other frame on the channel fails. */
    static String receiveUntilEof(AgentConnection a, int ch) throws InterruptedException {
        StringBuilder s = new StringBuilder();
        while (true) {
            Frame f = a.expect(x -> x.channel() == ch, "TCP_DATA or TCP_EOF on channel " + ch);
            if (f.command() == Command.TCP_EOF) return s.toString();
            assertEquals(Command.name(Command.TCP_DATA), Command.name(f.command()));
            s.append(f.text());
        }
    }

    static void assertNoFramesOn(List<Frame> frames, int ch) {
        assertTrue(frames.stream().noneMatch(f -> f.channel() == ch), "unexpected frames on channel " + ch + ": " + frames);
    }

    /** The agent freed the channel: opening it again works (reusing a live one would be fatal). */
    static void assertChannelFree(AgentConnection a, int ch) throws Exception {
        try (LocalPeer again = new LocalPeer()) {
            a.connect(ch, again.port());
            acceptConnected(a, again);
            a.roundTrip("reuse");
            assertTrue(a.process.isAlive(), "agent died on reuse of channel " + ch + ": " + a.stderrText());
        }
    }

    /** The peer socket sees the end: EOF, or a reset when the agent closed with unread data. */
    static void assertPeerClosed(LocalPeer peer) throws IOException {
        try {
            assertEquals(-1, peer.socket().getInputStream().read());
        } catch (SocketException reset) {
            assertTrue(reset.getMessage().toLowerCase().contains("reset"), reset.getMessage());
        }
    }

    static void assertFatal(AgentConnection a, String mentions) {
        int code = a.awaitExit();
        String err = a.stderrText();
        assertEquals(ExitCodes.REMOTE_FATAL, code, "exit code; stderr: " + err);
        List<String> lines = err.lines().toList();
        assertEquals(1, lines.size(), "exactly one stderr line, got: " + err);
        assertTrue(lines.getFirst().startsWith("sshuttle-agent: protocol error: "), lines.getFirst());
        assertTrue(lines.getFirst().contains(mentions), "'" + lines.getFirst() + "' should mention " + mentions);
        assertFalse(err.contains("Traceback"), err);
    }
}
