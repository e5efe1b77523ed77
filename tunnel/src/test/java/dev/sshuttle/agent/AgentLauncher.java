package dev.sshuttle.agent;

import dev.sshuttle.mux.AgentOptions;
import java.io.IOException;

/**
 * Starts one agent implementation for the conformance suite: {@link PythonAgentLauncher} and
 * {@link JavaAgentLauncher} today. A third agent implements this and is added to
 * {@link AgentConformanceTest#launchers()}.
 */
public interface AgentLauncher {
    /**
     * Starts the agent and writes to its stdin everything it needs before the sync header (for
     * the Python agent: the compressed source and the options line; for the Java agent: the
     * options line). The caller then reads the header from stdout and owns the process.
     */
    default Process launch(AgentOptions options) throws IOException {
        return launch(options, java.util.Map.of());
    }

    /** As {@link #launch(AgentOptions)}, with these variables added to the agent's environment. */
    Process launch(AgentOptions options, java.util.Map<String, String> env) throws IOException;
}
