package dev.sshuttle.firewall;

import java.net.InetAddress;
import java.util.Comparator;

/**
 * One captured (include) or exempted (exclude) destination: a prefix and a TCP port range.
 * Ports {@code 0,0} mean all ports, as in sshuttle.
 */
public record SubnetRule(Family family, InetAddress address, int width, boolean exclude, int firstPort, int lastPort) {

    public SubnetRule {
        if (!Family.matches(family, address)) {
            throw new IllegalArgumentException(address.getHostAddress() + " is not an " + family + " address");
        }
        if (width < 0 || width > family.maxWidth) {
            throw new IllegalArgumentException("prefix width " + width + " out of range 0.." + family.maxWidth);
        }
        if (firstPort < 0 || lastPort > 65535 || firstPort > lastPort || (firstPort == 0 && lastPort != 0)) {
            throw new IllegalArgumentException("bad port range " + firstPort + "-" + lastPort);
        }
    }

    public static SubnetRule include(InetAddress address, int width) {
        return new SubnetRule(Family.of(address), address, width, false, 0, 0);
    }

    public static SubnetRule exclude(InetAddress address, int width) {
        return new SubnetRule(Family.of(address), address, width, true, 0, 0);
    }

    /** An exclude of exactly one host, all ports: for the listener and the ssh server. */
    public static SubnetRule excludeHost(InetAddress address) {
        return exclude(address, Family.of(address).maxWidth);
    }

    public SubnetRule ports(int first, int last) {
        return new SubnetRule(family, address, width, exclude, first, last);
    }

    public boolean allPorts() {
        return firstPort == 0;
    }

    /** "10.0.0.0/8": the address as given (not masked), like sshuttle. */
    public String cidr() {
        return IpText.of(address) + "/" + width;
    }

    /**
     * sshuttle's subnet_weight, for sorting in descending order: narrower port ranges first
     * (all ports last), then longer prefixes, then excludes before includes. The sort is stable,
     * so equal rules keep the order they were given in.
     */
    public static final Comparator<SubnetRule> FIRST_MATCH_ORDER = Comparator
            .comparingInt((SubnetRule r) -> (r.firstPort != 0 ? r.firstPort : -65535) - r.lastPort)
            .thenComparingInt(SubnetRule::width)
            .thenComparing((SubnetRule r) -> r.exclude)
            .reversed();
}
