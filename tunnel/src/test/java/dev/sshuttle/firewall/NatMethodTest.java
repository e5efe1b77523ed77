package dev.sshuttle.firewall;

import dev.sshuttle.net.Family;

import dev.sshuttle.net.SubnetRule;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.sshuttle.firewall.RuleFixtures.ip;
import static dev.sshuttle.firewall.RuleFixtures.words;
import static org.junit.jupiter.api.Assertions.assertEquals;

class NatMethodTest {
    private final NatMethod nat = new NatMethod(new Iptables("iptables", "ip6tables", Iptables.NFT), new RuleTag("5e55"));

    @Test
    void rendersSshuttlesCapturedIpv4CommandsExactly() {
        List<List<String>> expected = List.of(
                words("iptables -w -t nat -N sshuttle-12300"),
                words("iptables -w -t nat -F sshuttle-12300"),
                words("iptables -w -t nat -I OUTPUT 1 -m comment --comment sshuttle-java-12300-5e55 -j sshuttle-12300"),
                words("iptables -w -t nat -I PREROUTING 1 -m comment --comment sshuttle-java-12300-5e55 -j sshuttle-12300"),
                words("iptables -w -t nat -A sshuttle-12300 -j REDIRECT --dest 192.0.2.53 -p udp --dport 53 --to-ports 12299"),
                words("iptables -w -t nat -A sshuttle-12300 -j REDIRECT --dest 10.1.0.0/24 -p tcp --dport 8000:9000 --to-ports 12300"),
                words("iptables -w -t nat -A sshuttle-12300 -j RETURN --dest 127.0.0.1/32 -p tcp"),
                words("iptables -w -t nat -A sshuttle-12300 -j RETURN --dest 10.0.0.0/8 -p tcp"),
                words("iptables -w -t nat -A sshuttle-12300 -j REDIRECT --dest 0.0.0.0/0 -p tcp --to-ports 12300"),
                words("iptables -w -t nat -A sshuttle-12300 -j RETURN -m addrtype --dst-type LOCAL"));
        assertEquals(expected, nat.setupCommands(Family.IPV4, RuleFixtures.capturedV4()));
    }

    @Test
    void ipv6UsesIp6tablesItsOwnPortAndOnlyItsOwnRules() {
        FirewallRules rules = new FirewallRules(List.of(
                        SubnetRule.include(ip("10.0.0.0"), 8),
                        SubnetRule.include(ip("2001:db8::"), 32).ports(443, 443),
                        SubnetRule.excludeHost(ip("::1"))),
                List.of(new Nameserver(ip("2001:db8::53")), new Nameserver(ip("192.0.2.53"))),
                new ListenPorts(12300, 12301, 12299, 12298));
        List<List<String>> expected = List.of(
                words("ip6tables -w -t nat -N sshuttle-12301"),
                words("ip6tables -w -t nat -F sshuttle-12301"),
                words("ip6tables -w -t nat -I OUTPUT 1 -m comment --comment sshuttle-java-12301-5e55 -j sshuttle-12301"),
                words("ip6tables -w -t nat -I PREROUTING 1 -m comment --comment sshuttle-java-12301-5e55 -j sshuttle-12301"),
                words("ip6tables -w -t nat -A sshuttle-12301 -j REDIRECT --dest 2001:db8::53 -p udp --dport 53 --to-ports 12298"),
                words("ip6tables -w -t nat -A sshuttle-12301 -j REDIRECT --dest 2001:db8::/32 -p tcp --dport 443 --to-ports 12301"),
                words("ip6tables -w -t nat -A sshuttle-12301 -j RETURN --dest ::1/128 -p tcp"),
                words("ip6tables -w -t nat -A sshuttle-12301 -j RETURN -m addrtype --dst-type LOCAL"));
        assertEquals(expected, nat.setupCommands(Family.IPV6, rules));
    }

    @Test
    void backendChoosesTheBinaries() {
        NatMethod legacy = new NatMethod(new Iptables("iptables-legacy", "ip6tables-legacy", Iptables.LEGACY));
        assertEquals(words("iptables-legacy -w -t nat -N sshuttle-12300"),
                legacy.setupCommands(Family.IPV4, RuleFixtures.capturedV4()).getFirst());
        assertEquals(words("ip6tables-legacy -w -t nat -X sshuttle-1"), legacy.ipt(Family.IPV6, "-X", "sshuttle-1"));
    }
}
