package dev.sshuttle.agent;

import dev.sshuttle.exit.ExitCodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.testkit.Prerequisites;
import dev.sshuttle.transport.AgentBootstrap;
import dev.sshuttle.mux.AgentOptions;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.Test;

/** The bootstrap's command line, quoting and preamble, checked by running them through a real sh. */
class AgentBootstrapTest {
    private static final String SYSTEM_PYTHON = "/usr/bin/python3";

    @Test
    void remoteCommandIsOneShellWordAfterShC() {
        String cmd = AgentBootstrap.python().remoteCommand();
        assertTrue(cmd.startsWith("/bin/sh -c 'P=python3; command -v $P >/dev/null 2>&1 || P=python; exec \"$P\" -S -c \""), cmd);
        assertTrue(cmd.endsWith("\"; exit 97'"), cmd);
        String loader = AgentBootstrap.python().loader();
        assertFalse(loader.matches(".*['\"$`\\\\].*"), "loader must survive the shell quoting: " + loader);
    }

    @Test
    void preambleIsTheCompressedAgentThenTheOptionsLine() throws Exception {
        AgentBootstrap b = AgentBootstrap.python();
        AgentOptions options = AgentOptions.defaults(2).withToNs("10.0.0.1@53");
        byte[] preamble = b.stdinPreamble(options);
        int n = Integer.parseInt(b.loader().replaceAll(".*read\\((\\d+)\\).*", "$1"));
        byte[] agent;
        try (InflaterInputStream in = new InflaterInputStream(new ByteArrayInputStream(preamble, 0, n))) {
            agent = in.readAllBytes();
        }
        try (var src = AgentBootstrap.class.getResourceAsStream(AgentBootstrap.AGENT_RESOURCE)) {
            assertArrayEquals(src.readAllBytes(), agent);
        }
        assertEquals("{\"protocol\": 2, \"latency_control\": true, \"latency_buffer_size\": 32768, \"verbosity\": 0,"
                        + " \"auto_nets\": false, \"to_ns\": \"10.0.0.1@53\", \"auto_hosts\": false}\n",
                new String(Arrays.copyOfRange(preamble, n, preamble.length), StandardCharsets.UTF_8));
    }

    @Test
    void python3FromPathRunsTheAgent() throws Exception {
        Prerequisites.require(Prerequisites.onPath("python3"), "no python3 on PATH");
        assertAgentAnswersPing(new PythonAgentLauncher(null));
    }

    @Test
    void pythonPathWithSpacesAndQuotesIsQuoted() throws Exception {
        Prerequisites.require(Files.isExecutable(Path.of(SYSTEM_PYTHON)), SYSTEM_PYTHON + " is not installed");
        Path dir = Files.createTempDirectory("sshj-py dir's \"x\" $HOME");
        try {
            Path link = Files.createSymbolicLink(dir.resolve("my python"), Path.of(SYSTEM_PYTHON));
            assertAgentAnswersPing(new PythonAgentLauncher(link.toString()));
        } finally {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void missingPythonPathFailsWithNotFound() throws Exception {
        AgentBootstrap b = AgentBootstrap.python("/nonexistent/sshj-python");
        Process p = new ProcessBuilder(b.localArgv()).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(127, p.waitFor(), out);
            assertTrue(out.contains("not found"), out);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void badOptionsLineExits99WithOneLine() throws Exception {
        Prerequisites.require(Files.isExecutable(Path.of(SYSTEM_PYTHON)), SYSTEM_PYTHON + " is not installed");
        AgentBootstrap b = AgentBootstrap.python(SYSTEM_PYTHON);
        byte[] preamble = b.stdinPreamble(AgentOptions.defaults(2));
        int n = preamble.length - AgentOptions.defaults(2).toJsonLine().length();
        Process p = new ProcessBuilder(b.localArgv()).start();
        try {
            p.getOutputStream().write(preamble, 0, n);
            p.getOutputStream().write("{\"protocol\": 3}\n".getBytes(StandardCharsets.US_ASCII));
            p.getOutputStream().close();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(ExitCodes.REMOTE_FATAL, p.waitFor(), err);
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.startsWith("sshuttle-agent: fatal: bad options line"), err);
            assertEquals(0, p.getInputStream().readAllBytes().length, "no sync header after bad options");
        } finally {
            p.destroyForcibly();
        }
    }

    private static void assertAgentAnswersPing(AgentLauncher launcher) throws Exception {
        try (AgentConnection a = AgentConnection.start(launcher, AgentOptions.defaults(2))) {
            assertEquals(ProtocolVersion.V2, a.version);
            a.roundTrip("hello");
            a.closeStdin();
            assertEquals(ExitCodes.REMOTE_RETURNED, a.awaitExit(), a.stderrText());
        }
    }
}
