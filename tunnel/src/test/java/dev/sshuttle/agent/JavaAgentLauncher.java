package dev.sshuttle.agent;

import dev.sshuttle.mux.AgentOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The Java agent as its own process: {@code java -cp <test class path> dev.sshuttle.cli.Main --server}. */
public record JavaAgentLauncher() implements AgentLauncher {

    @Override
    public Process launch(AgentOptions options, java.util.Map<String, String> env) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                "dev.sshuttle.cli.Main", "--server");
        pb.environment().putAll(env);
        Process process = pb.start();
        OutputStream in = process.getOutputStream();
        in.write(options.toJsonLine().getBytes(StandardCharsets.UTF_8));
        in.flush();
        return process;
    }

    @Override
    public String toString() {
        return "java agent";
    }
}
