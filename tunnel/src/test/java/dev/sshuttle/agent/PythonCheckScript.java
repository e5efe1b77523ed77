package dev.sshuttle.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.testkit.Prerequisites;
import dev.sshuttle.transport.AgentBootstrap;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the Python check scripts of test resources/agent against the agent's source (the
 * scripts import the agent as a module and call its parts) and checks their "ok" lines.
 */
final class PythonCheckScript {
    static final String PYTHON = "/usr/bin/python3";

    private PythonCheckScript() {}

    static void run(Path dir, String script, String... okLines) throws Exception {
        Prerequisites.require(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is not installed");
        Path agentFile = copyResource(AgentBootstrap.AGENT_RESOURCE, dir.resolve("sshuttle_agent.py"));
        Path check = copyResource("/agent/" + script, dir.resolve(script));
        Process p = new ProcessBuilder(PYTHON, check.toString(), agentFile.toString()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the check script " + script + " hung");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        for (String ok : okLines) assertTrue(out.contains("ok " + ok), "no 'ok " + ok + "' in: " + out);
    }

    private static Path copyResource(String name, Path to) throws IOException {
        try (InputStream in = PythonCheckScript.class.getResourceAsStream(name)) {
            if (in == null) throw new IOException("resource " + name + " is missing");
            Files.copy(in, to);
        }
        return to;
    }
}
