/**
 * IP values both the command line and the firewall use: the address family
 * ({@link dev.sshuttle.net.Family}), a captured or excluded subnet with its port range
 * ({@link dev.sshuttle.net.SubnetRule}), and addresses in their short text form
 * ({@link dev.sshuttle.net.IpText}).
 * <p>
 * Allowed imports: none of ours.
 */
package dev.sshuttle.net;
