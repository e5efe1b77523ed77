package dev.sshuttle.agent;

import dev.sshuttle.testkit.Prerequisites;
import dev.sshuttle.transport.AgentBootstrap;
import dev.sshuttle.mux.AgentOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** The Python agent through the local (no ssh) bootstrap; null python = search PATH like ssh would. */
public record PythonAgentLauncher(String python) implements AgentLauncher {

    @Override
    public Process launch(AgentOptions options, java.util.Map<String, String> env) throws IOException {
        if (python != null) {
            Prerequisites.require(Files.isExecutable(Path.of(python)), python + " is not installed");
        }
        AgentBootstrap bootstrap = python == null ? AgentBootstrap.python() : AgentBootstrap.python(python);
        ProcessBuilder pb = new ProcessBuilder(bootstrap.localArgv());
        pb.environment().putAll(env);
        Process process = pb.start();
        OutputStream in = process.getOutputStream();
        in.write(bootstrap.stdinPreamble(options));
        in.flush();
        return process;
    }

    @Override
    public String toString() {
        return "python agent (" + (python == null ? "python3 on PATH" : python) + ")";
    }
}
