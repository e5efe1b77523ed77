package dev.sshuttle.agent;

import dev.sshuttle.exit.ExitCodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.mux.Command;
import dev.sshuttle.mux.ConnectFailure;
import dev.sshuttle.mux.Frame;
import dev.sshuttle.testkit.Prerequisites;
import dev.sshuttle.transport.AgentBootstrap;
import dev.sshuttle.mux.AgentOptions;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Python-agent specific: running out of file descriptors fails one connect, not the session. */
class PythonAgentLimitsTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final int FD_LIMIT = 32;
    private static final int MAX_CHANNELS = 64;

    /** The python agent started by sh after {@code ulimit FLAG FD_LIMIT}. */
    private static AgentLauncher underUlimit(String flag) {
        return (options, env) -> {
            AgentBootstrap b = AgentBootstrap.python(PYTHON);
            Process p = new ProcessBuilder("/bin/sh", "-c", "ulimit " + flag + " " + FD_LIMIT + "; " + b.remoteCommand()).start();
            OutputStream in = p.getOutputStream();
            in.write(b.stdinPreamble(options));
            in.flush();
            return p;
        };
    }

    @Test
    void fdExhaustionFailsOneConnectNotTheSession() throws Exception {
        Prerequisites.require(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is not installed");
        AgentLauncher limited = underUlimit("-n");
        List<LocalPeer> peers = new ArrayList<>();
        try (AgentConnection a = AgentConnection.start(limited, AgentOptions.defaults(2))) {
            Frame failed = null;
            for (int ch = 1; ch <= MAX_CHANNELS && failed == null; ch++) {
                LocalPeer peer = new LocalPeer();
                peers.add(peer);
                a.connect(ch, peer.port());
                int c = ch;
                Frame result = a.expect(f -> f.channel() == c, "connect result on channel " + ch);
                if (result.command() == Command.TCP_CONNECT_FAILED) failed = result;
                else assertEquals(Command.name(Command.TCP_CONNECTED), Command.name(result.command()));
            }
            assertTrue(failed != null, "no connect failed within " + MAX_CHANNELS + " channels at ulimit -n " + FD_LIMIT);
            assertEquals(ConnectFailure.OTHER.code, failed.payload()[0]);
            assertTrue(failed.text().contains("EMFILE"), failed.text());
            a.roundTrip("still alive");
            assertTrue(a.process.isAlive());
            a.closeStdin();
            assertEquals(ExitCodes.REMOTE_RETURNED, a.awaitExit());
            assertFalse(a.stderrText().contains("fatal"), a.stderrText());
        } finally {
            for (LocalPeer p : peers) p.close();
        }
    }

    /** A soft limit below the hard one (the usual login default) is raised: all connects succeed. */
    @Test
    void aLowSoftFdLimitIsRaisedToTheHardOne() throws Exception {
        Prerequisites.require(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is not installed");
        AgentLauncher softLimited = underUlimit("-Sn");
        List<LocalPeer> peers = new ArrayList<>();
        try (AgentConnection a = AgentConnection.start(softLimited, AgentOptions.defaults(2))) {
            for (int ch = 1; ch <= MAX_CHANNELS; ch++) {
                LocalPeer peer = new LocalPeer();
                peers.add(peer);
                a.connect(ch, peer.port());
                int c = ch;
                Frame result = a.expect(f -> f.channel() == c, "connect result on channel " + ch);
                assertEquals(Command.name(Command.TCP_CONNECTED), Command.name(result.command()),
                        "connect " + ch + " at soft limit " + FD_LIMIT + ": " + result.text());
            }
        } finally {
            for (LocalPeer p : peers) p.close();
        }
    }
}
