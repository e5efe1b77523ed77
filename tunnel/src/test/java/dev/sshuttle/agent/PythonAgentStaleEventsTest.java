package dev.sshuttle.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.transport.AgentBootstrap;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python agent under the select() batches of mixed resets: an event whose socket an
 * earlier event of the same batch closed is skipped, and an error on one socket resets that
 * channel instead of ending the session (it used to die with EBADF). The checks are Python
 * (stale_events_check.py) since they call the agent's functions directly.
 */
class PythonAgentStaleEventsTest {
    private static final String PYTHON = "/usr/bin/python3";

    @Test
    void staleEventsAreSkippedAndSocketErrorsStayInTheirChannel(@TempDir Path dir) throws Exception {
        Prerequisites.require(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is not installed");
        Path agentFile = copyResource(AgentBootstrap.AGENT_RESOURCE, dir.resolve("sshuttle_agent.py"));
        Path check = copyResource("/agent/stale_events_check.py", dir.resolve("stale_events_check.py"));
        Process p = new ProcessBuilder(PYTHON, check.toString(), agentFile.toString()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the check script hung");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("ok reset then stale connect event"), out);
        assertTrue(out.contains("ok fd reused in the same batch"), out);
        assertTrue(out.contains("ok socket error ends the channel, not the session"), out);
    }

    private static Path copyResource(String name, Path to) throws IOException {
        try (InputStream in = PythonAgentStaleEventsTest.class.getResourceAsStream(name)) {
            if (in == null) throw new IOException("resource " + name + " is missing");
            Files.copy(in, to);
        }
        return to;
    }
}
