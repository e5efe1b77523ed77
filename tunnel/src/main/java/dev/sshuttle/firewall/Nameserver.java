package dev.sshuttle.firewall;

import dev.sshuttle.net.Family;

import java.net.InetAddress;

/** A DNS server whose UDP/53 traffic is redirected to the DNS listener. */
public record Nameserver(InetAddress address) {
    public Family family() {
        return Family.of(address);
    }
}
