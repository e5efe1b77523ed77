package dev.sshuttle.cli;

/**
 * The privileged firewall helper ({@code sshuttle.jar --firewall}): parses its own (hidden)
 * options from {@code args} (the command line without {@code --firewall}) and speaks the line
 * protocol on stdin/stdout. See {@link Runners}.
 */
public interface FirewallRunner {
    int run(String[] args) throws Exception;
}
