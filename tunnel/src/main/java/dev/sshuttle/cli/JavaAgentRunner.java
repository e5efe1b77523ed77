package dev.sshuttle.cli;

import dev.sshuttle.agent.JavaAgent;

/** {@code sshuttle.jar --server}: the Java agent on this process's stdin/stdout. */
public final class JavaAgentRunner implements AgentRunner {
    @Override
    public int run(String[] args) {
        return JavaAgent.runOnStdio();
    }
}
