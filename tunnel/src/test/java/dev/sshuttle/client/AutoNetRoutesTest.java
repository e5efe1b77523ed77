package dev.sshuttle.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.net.SubnetRule;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The server's -N routes are checked by the client, the side that trusts nobody. */
class AutoNetRoutesTest {
    private static final InetAddress SERVER = InetAddress.ofLiteral("10.9.0.5");
    private static final List<SubnetRule> EXCLUDES = List.of(SubnetRule.exclude(InetAddress.ofLiteral("10.20.0.0"), 16));

    private static AutoNetRoutes.Result parse(String routes) {
        return AutoNetRoutes.parse(routes, EXCLUDES, List.of(SERVER));
    }

    private static List<String> accepted(String routes) {
        return parse(routes).accepted().stream().map(SubnetRule::cidr).toList();
    }

    private static void assertRefused(String line, String reason) {
        AutoNetRoutes.Result r = parse(line + "\n");
        assertEquals(List.of(), r.accepted(), line);
        assertEquals(1, r.refused().size(), line);
        assertTrue(r.refused().getFirst().contains(reason), line + " -> " + r.refused());
    }

    @Test
    void ordinaryRoutesAreTaken() {
        assertEquals(List.of("10.1.0.0/16", "192.168.7.0/24", "2001:db8::/32", "10.9.0.0/24"),
                accepted("2,10.1.0.0,16\n2,192.168.7.0,24\n10,2001:db8::,32\n2,10.9.0.0,24\n"));
    }

    @Test
    void everythingAndLoopbackAreRefused() {
        // what the measured attack sent: the nat chain got a REDIRECT with no destination
        assertRefused("2,0.0.0.0,0", "/0 would capture every connection");
        assertRefused("10,::,0", "/0");
        assertRefused("2,127.0.0.0,8", "loopback");
        assertRefused("2,127.0.0.1,32", "loopback");
        assertRefused("2,64.0.0.0,2", "loopback"); // wide enough to contain 127/8
        assertRefused("10,::1,128", "loopback");
    }

    @Test
    void specialRangesAreRefused() {
        assertRefused("2,169.254.1.0,24", "link-local");
        assertRefused("2,224.0.0.0,4", "multicast");
        assertRefused("2,239.1.2.3,32", "multicast");
        assertRefused("2,255.255.255.255,32", "broadcast");
        assertRefused("2,0.1.2.0,24", "this network");
        assertRefused("10,fe80::,64", "link-local");
        assertRefused("10,ff02::1,128", "multicast");
        assertRefused("10,::ffff:127.0.0.1,128", "IPv4-mapped");
    }

    @Test
    void theSshServerAndTheUsersExcludesAreNotOverridden() {
        assertRefused("2,10.9.0.5,32", "ssh server's own address");
        assertRefused("2,10.20.0.0,16", "inside your exclude -x 10.20.0.0/16");
        assertRefused("2,10.20.30.0,24", "inside your exclude -x 10.20.0.0/16");
        // wider than the exclude: the exclude is more specific and still wins
        assertEquals(List.of("10.0.0.0/8"), accepted("2,10.0.0.0,8\n"));
    }

    @Test
    void onlyIpLiteralsOfTheStatedFamily() {
        assertRefused("2,localhost,8", "not an IP address literal");
        assertRefused("2,evil.example.com,24", "not an IP address literal");
        assertRefused("2,2130706433,32", "not an IP address literal"); // 127.0.0.1 as one number
        assertRefused("2,2001:db8::,32", "is not an IPV4 address");
        assertRefused("10,10.1.0.0,16", "is not an IPV6 address");
        assertRefused("7,10.1.0.0,16", "unknown address family 7");
        assertRefused("2,10.1.0.0,33", "width 33 is past 32");
        assertRefused("2,10.1.0.0,-1", "is not a number");
        assertRefused("2,10.1.0.0", "not 'family,ip,width'");
        assertRefused("2,10.1.0.0,16,extra", "not 'family,ip,width'");
        assertRefused("2,[2001:db8::],32", "not an IP address literal");
        assertRefused("10,fe80::1%eth0,128", "not an IP address literal");
    }

    @Test
    void refusalsAreLoggableAndTheListIsBounded() {
        assertTrue(parse("2,\u001b[31m1.2.3.4,8\n").refused().getFirst().startsWith("2,?[31m1.2.3.4,8:"));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 300; i++) many.append("2,10.").append(i / 256 + 100).append('.').append(i % 256).append(".0,24\n");
        AutoNetRoutes.Result r = parse(many.toString());
        assertEquals(AutoNetRoutes.MAX_ROUTES, r.accepted().size());
        assertEquals(300 - AutoNetRoutes.MAX_ROUTES, r.refused().size());
    }
}
