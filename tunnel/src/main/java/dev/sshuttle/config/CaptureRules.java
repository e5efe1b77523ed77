package dev.sshuttle.config;

import dev.sshuttle.net.SubnetRule;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The order in which sshuttle installs subnet rules ({@code firewall.py: subnet_weight},
 * sorted descending): narrower port ranges first and "all ports" last, then longer prefixes,
 * then excludes before includes. The first matching rule decides, so the same order answers
 * "would this destination be captured?" (e.g. is the ssh server inside the captured subnets).
 */
public final class CaptureRules {
    private CaptureRules() {}

    /** Includes and excludes together, in the order the firewall installs them. */
    public static List<SubnetRule> firewallOrder(Collection<SubnetRule> includes, Collection<SubnetRule> excludes) {
        List<SubnetRule> all = new ArrayList<>(includes);
        all.addAll(excludes);
        all.sort(SubnetRule.FIRST_MATCH_ORDER); // stable: equal weights keep the user's order
        return all;
    }

    /** Whether a TCP connection to {@code address:port} would be redirected into the tunnel. */
    public static boolean captures(Collection<SubnetRule> includes, Collection<SubnetRule> excludes,
                                   InetAddress address, int port) {
        for (SubnetRule rule : firewallOrder(includes, excludes)) {
            if (rule.coversPort(port) && rule.contains(address)) return !rule.exclude();
        }
        return false;
    }
}
