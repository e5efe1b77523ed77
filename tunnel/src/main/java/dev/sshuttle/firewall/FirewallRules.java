package dev.sshuttle.firewall;

import dev.sshuttle.net.Family;

import dev.sshuttle.net.SubnetRule;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Everything the helper installs for one session. */
public record FirewallRules(List<SubnetRule> subnets, List<Nameserver> nameservers, ListenPorts ports, Owner owner) {

    /** Everyone's traffic. */
    public FirewallRules(List<SubnetRule> subnets, List<Nameserver> nameservers, ListenPorts ports) {
        this(subnets, nameservers, ports, Owner.ANY);
    }

    public FirewallRules {
        java.util.Objects.requireNonNull(owner, "owner");
        subnets = List.copyOf(subnets);
        nameservers = List.copyOf(nameservers);
        for (Family family : Family.values()) {
            if (ports.tcp(family) == 0 && subnets.stream().anyMatch(r -> r.family() == family)) {
                throw new IllegalArgumentException(family + " subnets given but no " + family + " listener port");
            }
            if (ports.dns(family) == 0 && nameservers.stream().anyMatch(n -> n.family() == family)) {
                throw new IllegalArgumentException(family + " nameservers given but no " + family + " DNS port");
            }
        }
    }

    /**
     * These rules plus an all-ports exclude of each host (the listener's own address, the ssh
     * server), so that traffic to them is never captured whatever the subnets say.
     */
    public FirewallRules excludingHosts(Collection<InetAddress> hosts) {
        List<SubnetRule> all = new ArrayList<>(subnets);
        for (InetAddress host : hosts) all.add(SubnetRule.excludeHost(host));
        return new FirewallRules(all, nameservers, ports, owner);
    }

    /** The same rules for the sockets of one user and/or group only. */
    public FirewallRules withOwner(Owner newOwner) {
        return new FirewallRules(subnets, nameservers, ports, newOwner);
    }

    /** The rules of one family, sorted in the order they must be matched. */
    public List<SubnetRule> sortedSubnets(Family family) {
        return subnets.stream().filter(r -> r.family() == family).sorted(SubnetRule.FIRST_MATCH_ORDER).toList();
    }

    public List<Nameserver> nameservers(Family family) {
        return nameservers.stream().filter(n -> n.family() == family).toList();
    }

    /** A family gets rules when it has a listener and something to capture (as sshuttle decides). */
    public boolean hasRules(Family family) {
        return ports.tcp(family) != 0 && (!sortedSubnets(family).isEmpty() || !nameservers(family).isEmpty());
    }
}
