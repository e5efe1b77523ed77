/**
 * The command line and the process: {@link dev.sshuttle.cli.Main} picks one of the three
 * programs in the jar ({@link dev.sshuttle.cli.Runners}: the tunnel client, the Java agent,
 * the firewall helper), parses sshuttle's options into {@link dev.sshuttle.config.ClientOptions}
 * ({@link dev.sshuttle.cli.ClientCommand}), wires the client together
 * ({@link dev.sshuttle.cli.TunnelClientRunner}), daemonizes (-D), re-executes inside a
 * namespace (--namespace), prints sudoers rules, the status command, the release docs, and
 * explains the remote's exit codes.
 * <p>
 * Allowed imports: every package of ours; it is the top, and nothing imports it.
 */
package dev.sshuttle.cli;
