package dev.sshuttle.firewall;

import dev.sshuttle.net.Family;

import dev.sshuttle.net.SubnetRule;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.sshuttle.firewall.RuleFixtures.ip;
import static dev.sshuttle.firewall.RuleFixtures.words;
import static org.junit.jupiter.api.Assertions.assertEquals;

class NftMethodTest {
    private final NftMethod nft = new NftMethod("nft", new RuleTag("5e55"));

    @Test
    void rendersSshuttlesCapturedIpv4CommandsExactly() {
        String t = "sshuttle-ipv4-12300";
        String rule = "nft add rule inet " + t + " " + t + " ";
        List<List<String>> expected = new ArrayList<>(List.of(
                words("nft add table inet " + t),
                List.of("nft", "add", "chain", "inet", t, "prerouting",
                        "{ type nat hook prerouting priority -100; policy accept; }"),
                List.of("nft", "add", "chain", "inet", t, "output",
                        "{ type nat hook output priority -100; policy accept; }"),
                words("nft add chain inet " + t + " " + t),
                words("nft flush chain inet " + t + " " + t),
                words("nft add rule inet " + t + " output jump " + t + " comment \"sshuttle-java-12300-5e55\""),
                words("nft add rule inet " + t + " prerouting jump " + t + " comment \"sshuttle-java-12300-5e55\""),
                words(rule + "meta nfproto != ipv4 return"),
                words(rule + "ip daddr 192.0.2.53 udp dport 53 redirect to :12299"),
                words(rule + "fib daddr type local return")));
        List<String> ranged = new ArrayList<>(words(rule + "meta nfproto ipv4 tcp dport"));
        ranged.add("{ 8000-9000 }");
        ranged.addAll(words("ip daddr 10.1.0.0/24 redirect to :12300"));
        expected.add(ranged);
        expected.add(words(rule + "meta nfproto ipv4 meta l4proto tcp ip daddr 127.0.0.1/32 return"));
        expected.add(words(rule + "meta nfproto ipv4 meta l4proto tcp ip daddr 10.0.0.0/8 return"));
        expected.add(words(rule + "meta nfproto ipv4 meta l4proto tcp ip daddr 0.0.0.0/0 redirect to :12300"));
        assertEquals(expected, nft.setupCommands(Family.IPV4, RuleFixtures.capturedV4()));
    }

    @Test
    void ipv6TableUsesIp6AndASinglePortWithoutBraces() {
        FirewallRules rules = new FirewallRules(List.of(SubnetRule.include(ip("fd00::"), 64).ports(80, 80)),
                List.of(), ListenPorts.tcp(12301));
        List<List<String>> commands = nft.setupCommands(Family.IPV6, rules);
        assertEquals(words("nft add table inet sshuttle-ipv6-12301"), commands.getFirst());
        assertEquals(words("nft add rule inet sshuttle-ipv6-12301 sshuttle-ipv6-12301 meta nfproto != ipv6 return"),
                commands.get(7));
        assertEquals(words("nft add rule inet sshuttle-ipv6-12301 sshuttle-ipv6-12301 "
                + "meta nfproto ipv6 tcp dport 80 ip6 daddr fd00::/64 redirect to :12301"), commands.getLast());
    }
}
