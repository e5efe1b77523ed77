package dev.sshuttle.config;

import java.net.InetAddress;
import java.util.Objects;

/**
 * One captured (or excluded) destination: sshuttle's {@code (family, ip, width, fport, lport)}
 * plus whether it excludes. Ports {@code 0,0} mean every port; otherwise the range is
 * inclusive.
 */
public record SubnetRule(AddressFamily family, InetAddress address, int width, int fromPort, int toPort,
                         boolean exclude) {

    public SubnetRule {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(address, "address");
        if (AddressFamily.of(address) != family) {
            throw new IllegalArgumentException(address + " is not " + family);
        }
        if (width < 0 || width > family.maxWidth) {
            throw new IllegalArgumentException("width " + width + " out of range for " + family);
        }
        if (fromPort < 0 || toPort > 65535 || fromPort > toPort || (fromPort == 0) != (toPort == 0)) {
            throw new IllegalArgumentException("bad port range " + fromPort + "-" + toPort);
        }
    }

    public boolean allPorts() {
        return fromPort == 0;
    }

    /** The address as sshuttle prints it: dotted quad or compressed IPv6, no scope. */
    public String addressText() {
        return address.getHostAddress();
    }

    public SubnetRule asExclude() {
        return new SubnetRule(family, address, width, fromPort, toPort, true);
    }

    /** True if {@code candidate} lies inside this rule's network (ports are not considered). */
    public boolean contains(InetAddress candidate) {
        if (AddressFamily.of(candidate) != family) return false;
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

    @Override
    public String toString() {
        String net = (family == AddressFamily.INET6 ? "[" + addressText() + "/" + width + "]"
                : addressText() + "/" + width);
        String ports = allPorts() ? "" : fromPort == toPort ? ":" + fromPort : ":" + fromPort + "-" + toPort;
        return (exclude ? "exclude " : "") + net + ports;
    }
}
