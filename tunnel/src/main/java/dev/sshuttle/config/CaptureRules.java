package dev.sshuttle.config;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * The order in which sshuttle installs subnet rules ({@code firewall.py: subnet_weight},
 * sorted descending): narrower port ranges first and "all ports" last, then longer prefixes,
 * then excludes before includes. The first matching rule decides, so the same order answers
 * "would this destination be captured?" (e.g. is the ssh server inside the captured subnets).
 */
public final class CaptureRules {
    private CaptureRules() {}

    /** sshuttle's weight, compared so that the rule installed first comes first. */
    public static final Comparator<SubnetRule> FIREWALL_ORDER = Comparator
            .comparingInt((SubnetRule r) -> r.allPorts() ? -65535 : r.fromPort() - r.toPort())
            .thenComparingInt(SubnetRule::width)
            .thenComparing(SubnetRule::exclude)
            .reversed();

    /** Includes and excludes together, in the order the firewall installs them. */
    public static List<SubnetRule> firewallOrder(Collection<SubnetRule> includes, Collection<SubnetRule> excludes) {
        List<SubnetRule> all = new ArrayList<>(includes);
        all.addAll(excludes);
        all.sort(FIREWALL_ORDER); // stable: equal weights keep the user's order
        return all;
    }

    /** Whether a TCP connection to {@code address:port} would be redirected into the tunnel. */
    public static boolean captures(Collection<SubnetRule> includes, Collection<SubnetRule> excludes,
                                   InetAddress address, int port) {
        for (SubnetRule rule : firewallOrder(includes, excludes)) {
            boolean portMatches = rule.allPorts() || (port >= rule.fromPort() && port <= rule.toPort());
            if (portMatches && rule.contains(address)) return !rule.exclude();
        }
        return false;
    }
}
