package dev.sshuttle.cli;

/**
 * The Java agent ({@code sshuttle.jar --server}): reads its options line from stdin itself
 * (docs/protocol.md) and serves the mux on stdin/stdout. {@code args} is the command line
 * without {@code --server}. See {@link Runners}.
 */
public interface AgentRunner {
    int run(String[] args) throws Exception;
}
