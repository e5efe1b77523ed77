/**
 * The firewall side of the tunnel: which connections are captured and how.
 * <ul>
 * <li>Model: {@link dev.sshuttle.firewall.FirewallRules} = {@link dev.sshuttle.net.SubnetRule}s
 * (include/exclude, prefix, port range), {@link dev.sshuttle.firewall.Nameserver}s and the
 * {@link dev.sshuttle.firewall.ListenPorts}.</li>
 * <li>Methods: {@link dev.sshuttle.firewall.NatMethod} (iptables REDIRECT, nf_tables or legacy
 * backend via {@link dev.sshuttle.firewall.Iptables}) and {@link dev.sshuttle.firewall.NftMethod};
 * {@link dev.sshuttle.firewall.FirewallMethods#resolve} picks one (auto = nat, else nft).</li>
 * <li>Processes: the root {@link dev.sshuttle.firewall.FirewallHelper} (protocol in its javadoc)
 * and the client's {@link dev.sshuttle.firewall.FirewallClient}, which launches it with the
 * command from {@link dev.sshuttle.firewall.HelperCommand}.</li>
 * </ul>
 * <p>
 * Allowed imports: {@code exit}, {@code net}, {@code startup}; nothing else of ours. The helper
 * runs as root in its own process: it never loads the client, the agent or the mux.
 */
package dev.sshuttle.firewall;

import dev.sshuttle.net.SubnetRule;
