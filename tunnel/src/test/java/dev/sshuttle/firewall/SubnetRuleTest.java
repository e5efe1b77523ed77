package dev.sshuttle.firewall;

import dev.sshuttle.net.Family;
import dev.sshuttle.net.SubnetRule;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.sshuttle.firewall.RuleFixtures.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SubnetRuleTest {


    @Test
    void sortsLikeSshuttlesSubnetWeight() {
        SubnetRule all = SubnetRule.include(ip("0.0.0.0"), 0);
        SubnetRule wideExclude = SubnetRule.exclude(ip("10.0.0.0"), 8);
        SubnetRule sameWidthInclude = SubnetRule.include(ip("11.0.0.0"), 8);
        SubnetRule host = SubnetRule.excludeHost(ip("127.0.0.1"));
        SubnetRule range = SubnetRule.include(ip("10.1.0.0"), 24).ports(8000, 9000);
        SubnetRule narrowRange = SubnetRule.include(ip("0.0.0.0"), 0).ports(1000, 1010);
        SubnetRule singlePort = SubnetRule.exclude(ip("0.0.0.0"), 0).ports(22, 22);
        FirewallRules rules = new FirewallRules(
                List.of(all, sameWidthInclude, wideExclude, host, range, narrowRange, singlePort),
                List.of(), ListenPorts.tcp(1));
        // single port, then narrower ranges, then all ports; within that longer prefixes; excludes first
        assertEquals(List.of(singlePort, narrowRange, range, host, wideExclude, sameWidthInclude, all),
                rules.sortedSubnets(Family.IPV4));
    }

    @Test
    void equalRulesKeepTheirGivenOrder() {
        SubnetRule a = SubnetRule.include(ip("10.0.0.0"), 8);
        SubnetRule b = SubnetRule.include(ip("11.0.0.0"), 8);
        assertEquals(List.of(a, b), new FirewallRules(List.of(a, b), List.of(), ListenPorts.tcp(1)).sortedSubnets(Family.IPV4));
        assertEquals(List.of(b, a), new FirewallRules(List.of(b, a), List.of(), ListenPorts.tcp(1)).sortedSubnets(Family.IPV4));
    }

    @Test
    void excludedHostsComeBeforeTheSubnetsThatContainThem() {
        FirewallRules rules = new FirewallRules(List.of(SubnetRule.include(ip("0.0.0.0"), 0)), List.of(),
                ListenPorts.tcp(12300)).excludingHosts(List.of(ip("198.51.100.7"), ip("2001:db8::7")));
        assertEquals(List.of(SubnetRule.excludeHost(ip("198.51.100.7")), SubnetRule.include(ip("0.0.0.0"), 0)),
                rules.sortedSubnets(Family.IPV4));
        assertEquals(List.of(new SubnetRule(Family.IPV6, ip("2001:db8::7"), 128, true, 0, 0)),
                rules.sortedSubnets(Family.IPV6));
    }

    @Test
    void rejectsImpossibleRules() {
        assertThrows(IllegalArgumentException.class, () -> SubnetRule.include(ip("10.0.0.0"), 33));
        assertThrows(IllegalArgumentException.class, () -> SubnetRule.include(ip("::"), 129));
        assertThrows(IllegalArgumentException.class, () -> SubnetRule.include(ip("10.0.0.0"), 8).ports(9, 8));
        assertThrows(IllegalArgumentException.class, () -> SubnetRule.include(ip("10.0.0.0"), 8).ports(0, 80));
        assertThrows(IllegalArgumentException.class,
                () -> new SubnetRule(Family.IPV6, ip("10.0.0.0"), 8, false, 0, 0));
    }

    @Test
    void subnetsOfAFamilyWithoutListenerAreAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FirewallRules(
                List.of(SubnetRule.include(ip("::"), 0)), List.of(), new ListenPorts(12300, 0, 0, 0)));
        assertEquals("IPV6 subnets given but no IPV6 listener port", e.getMessage());
    }
}
