package dev.sshuttle.net;

import java.net.InetAddress;
import java.util.Comparator;
import java.util.Objects;

/**
 * One captured (include) or exempted (exclude) destination: sshuttle's
 * {@code (family, ip, width, fport, lport)} plus whether it excludes. Ports {@code 0,0} mean
 * every port; otherwise the range is inclusive. The same record serves the command line
 * ({@code -x}, subnets), the ROUTES the server sends, and the firewall helper's rules.
 */
public record SubnetRule(Family family, InetAddress address, int width, boolean exclude, int firstPort, int lastPort) {

    public SubnetRule {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(address, "address");
        if (!Family.matches(family, address)) {
            throw new IllegalArgumentException(address.getHostAddress() + " is not an " + family + " address");
        }
        if (width < 0 || width > family.maxWidth) {
            throw new IllegalArgumentException("prefix width " + width + " out of range 0.." + family.maxWidth);
        }
        if (firstPort < 0 || lastPort > 65535 || firstPort > lastPort || (firstPort == 0) != (lastPort == 0)) {
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

    public SubnetRule asExclude() {
        return new SubnetRule(family, address, width, true, firstPort, lastPort);
    }

    public boolean allPorts() {
        return firstPort == 0;
    }

    /** Whether {@code port} is in this rule's range (every port when the range is 0,0). */
    public boolean coversPort(int port) {
        return allPorts() || (port >= firstPort && port <= lastPort);
    }

    /** "10.0.0.0/8": the address as given (not masked), in the short form, like sshuttle. */
    public String cidr() {
        return IpText.of(address) + "/" + width;
    }

    /** True if {@code candidate} lies inside this rule's network (ports are not considered). */
    public boolean contains(InetAddress candidate) {
        if (Family.of(candidate) != family) return false;
        byte[] net = address.getAddress();
        byte[] other = candidate.getAddress();
        int fullBytes = width / 8;
        for (int i = 0; i < fullBytes; i++) {
            if (net[i] != other[i]) return false;
        }
        int restBits = width % 8;
        if (restBits == 0) return true;
        int mask = (0xff << (8 - restBits)) & 0xff;
        return (net[fullBytes] & mask) == (other[fullBytes] & mask);
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

    @Override
    public String toString() {
        String net = family == Family.IPV6 ? "[" + address.getHostAddress() + "/" + width + "]"
                : address.getHostAddress() + "/" + width;
        String ports = allPorts() ? "" : firstPort == lastPort ? ":" + firstPort : ":" + firstPort + "-" + lastPort;
        return (exclude ? "exclude " : "") + net + ports;
    }
}
