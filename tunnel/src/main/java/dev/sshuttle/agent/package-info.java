/**
 * The Java agent: what runs on the ssh server ({@code sshuttle.jar --server}) and does the
 * Python agent's job on a JDK. {@link dev.sshuttle.agent.JavaAgent} reads the options line,
 * answers the sync header and serves the mux on its stdio; outbound TCP goes through
 * {@link dev.sshuttle.io.Bridges}, DNS through {@link dev.sshuttle.agent.DnsForwarder}, UDP
 * through {@link dev.sshuttle.agent.UdpRelay}; {@link dev.sshuttle.agent.RouteLister} answers
 * -N and {@link dev.sshuttle.agent.HostWatch} -H.
 * <p>
 * Allowed imports: {@code exit}, {@code io}, {@code mux}, {@code net}, {@code stripe},
 * {@code sys}; nothing else of ours. The agent is uploaded without the client's libraries, so it
 * never reaches into {@code client}, {@code transport}, {@code firewall}, {@code config} or
 * {@code cli}.
 */
package dev.sshuttle.agent;
