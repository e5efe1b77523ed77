package dev.sshuttle.firewall;

import dev.sshuttle.net.SubnetRule;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/** The rule set captured from the real sshuttle 1.1.2 helper (nat and nft methods), in our model. */
final class RuleFixtures {
    private RuleFixtures() {}

    static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }

    /** Given in a deliberately unsorted order: the renderers must sort. */
    static FirewallRules capturedV4() {
        return new FirewallRules(List.of(
                        SubnetRule.include(ip("0.0.0.0"), 0),
                        SubnetRule.exclude(ip("10.0.0.0"), 8),
                        SubnetRule.include(ip("10.1.0.0"), 24).ports(8000, 9000),
                        SubnetRule.excludeHost(ip("127.0.0.1"))),
                List.of(new Nameserver(ip("192.0.2.53"))),
                ListenPorts.tcp(12300).withDns(12299));
    }

    static List<String> words(String command) {
        return Arrays.asList(command.split(" "));
    }
}
