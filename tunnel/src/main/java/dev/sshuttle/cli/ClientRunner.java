package dev.sshuttle.cli;

import dev.sshuttle.exit.ExitCodes;

import dev.sshuttle.config.ClientOptions;

/**
 * The tunnel client: runs until the session ends and returns the exit code (see
 * {@link ExitCodes}). With {@code -D} it must call {@link Daemonizer#connected()} once the
 * agent's sync header has been read, so the launching process can exit.
 * The production one is {@link TunnelClientRunner} (see {@link Runners}).
 */
public interface ClientRunner {
    int run(ClientOptions options) throws Exception;
}
