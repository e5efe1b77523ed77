/**
 * The tunnel client: the transparent listener, the session with the agent over the mux
 * ({@link dev.sshuttle.client.ClientSession}), reconnects and exit codes
 * ({@link dev.sshuttle.client.TunnelClient}), the firewall rules through the helper
 * ({@link dev.sshuttle.client.HelperFirewall}), the DNS listener, UDP flows (tproxy), -N routes,
 * -H hosts, and the status, metrics and sd_notify outputs.
 * <p>
 * Allowed imports: {@code exit}, {@code firewall}, {@code io}, {@code mux}, {@code net},
 * {@code startup}, {@code stripe}, {@code sys}, {@code transport}; nothing else of ours (not
 * {@code cli}, {@code config}: its settings come as {@link dev.sshuttle.client.TunnelSettings};
 * not {@code agent}: it reaches the agent through a {@link dev.sshuttle.transport.Transport}).
 */
package dev.sshuttle.client;
