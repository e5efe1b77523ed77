package dev.sshuttle.firewall;

import dev.sshuttle.net.SubnetRule;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.sshuttle.firewall.RuleFixtures.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HelperLinesTest {

    @Test
    void subnetLineIsSshuttlesAndRoundTrips() throws FirewallException {
        SubnetRule rule = SubnetRule.exclude(ip("10.1.0.0"), 24).ports(8000, 9000);
        assertEquals("2,24,1,10.1.0.0,8000,9000", HelperLines.subnet(rule));
        assertEquals(rule, HelperLines.parseSubnet(HelperLines.subnet(rule)));
        SubnetRule v6 = SubnetRule.include(ip("2001:db8::"), 32);
        assertEquals(v6, HelperLines.parseSubnet(HelperLines.subnet(v6)));
        // sshuttle's server maps any non-2 family to IPv6 (macOS sends 30)
        assertEquals(v6, HelperLines.parseSubnet("30,32,0,2001:db8::,0,0"));
    }

    @Test
    void portsLineListsIpv6First() throws FirewallException {
        ListenPorts ports = new ListenPorts(12300, 12301, 12299, 12298);
        assertEquals("PORTS 12301,12300,12298,12299", HelperLines.ports(ports));
        assertEquals(ports, HelperLines.parsePorts("PORTS 12301,12300,12298,12299"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2,24,0,10.0.0.0,0", "2,24,2,10.0.0.0,0,0", "2,24,0,example.com,0,0",
            "2,x,0,10.0.0.0,0,0", "2,40,0,10.0.0.0,0,0", "2,8,0,::,0,0"})
    void badRouteLinesAreOneClearError(String line) {
        FirewallException e = assertThrows(FirewallException.class, () -> HelperLines.parseSubnet(line));
        assertTrue(e.getMessage().contains(line), e.getMessage());
    }

    @Test
    void goLineReadsBothSshuttleFormsWithTheOwnerUdpAndMark() throws FirewallException {
        assertEquals(Owner.ANY, HelperLines.parseGo("GO 0 - 0x01 1234").owner());
        assertEquals(Owner.ANY, HelperLines.parseGo("GO 0 - - 0x01 1234").owner());
        assertEquals(new Owner(1000, null), HelperLines.parseGo("GO 0 1000 - 0x01 1234").owner());
        assertEquals(new Owner(null, 27), HelperLines.parseGo("GO 0 - 27 0x01 1234").owner());
        assertEquals(new Owner(1000, null), HelperLines.parseGo("GO 0 1000 0x01 1234").owner(), "1.1.1 form: uid only");
        Owner both = new Owner(5, 6);
        assertEquals(new HelperLines.Go(both, false, 1), HelperLines.parseGo(HelperLines.go(99, both, false, 1)));
        assertEquals(new HelperLines.Go(Owner.ANY, true, 0x2a), HelperLines.parseGo(HelperLines.go(99, Owner.ANY, true, 0x2a)));
        assertEquals(new HelperLines.Go(Owner.ANY, true, 0xffffffff), HelperLines.parseGo("GO 1 - - 0xffffffff 1234"));
        assertThrows(FirewallException.class, () -> HelperLines.parseGo("GO 2 - - 0x01 1234"));
        assertThrows(FirewallException.class, () -> HelperLines.parseGo("GO 1 - - 0x0 1234"), "mark 0 marks nothing");
        assertThrows(FirewallException.class, () -> HelperLines.parseGo("GO 1 - - 01 1234"));
        assertThrows(FirewallException.class, () -> HelperLines.parseGo("GO 1 - - 0x123456789 1234"));
        assertThrows(FirewallException.class, () -> HelperLines.parseGo("GO 0 alice - 0x01 1234"));
        assertThrows(FirewallException.class, () -> HelperLines.parseGo("GO 0 -5 - 0x01 1234"));
        assertThrows(FirewallException.class, () -> HelperLines.parseGo("GO"));
    }
}
