/**
 * How the client reaches and starts an agent: the byte stream to the remote
 * ({@link dev.sshuttle.transport.Transport}: the system ssh in
 * {@link dev.sshuttle.transport.ProcessTransport}, the built-in one in
 * {@link dev.sshuttle.transport.BuiltinSsh}, the in-JVM Java agent in
 * {@link dev.sshuttle.transport.LoopbackAgentTransport}), and what is sent to start the agent at
 * its end ({@link dev.sshuttle.transport.AgentLaunch}: the Python agent's bootstrap
 * {@link dev.sshuttle.transport.AgentBootstrap}, or the Java agent's jar,
 * {@link dev.sshuttle.transport.AgentJar} and {@link dev.sshuttle.transport.JavaAgentUpload}).
 * <p>
 * Allowed imports: {@code agent} (only for the loopback transport), {@code exit}, {@code io},
 * {@code mux}, {@code stripe}, {@code sys}; nothing else of ours (not {@code client},
 * {@code cli}, {@code config}, {@code firewall}).
 */
package dev.sshuttle.transport;
