package dev.sshuttle.config;

import dev.sshuttle.net.SubnetRule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaptureRulesTest {
    final SubnetParser parser = new SubnetParser(HostResolver.SYSTEM, w -> {});

    List<SubnetRule> in(String... texts) {
        return parser.parseAll(List.of(texts), false);
    }

    List<SubnetRule> ex(String... texts) {
        return parser.parseAll(List.of(texts), true);
    }

    @Test
    void orderIsSshuttles() {
        List<SubnetRule> ordered = CaptureRules.firewallOrder(
                in("0/0", "10.0.0.0/8", "10.1.0.0/16:8000-9000", "10.2.0.0/16:22"),
                ex("10.3.0.0/16", "10.0.0.0/8"));
        assertEquals(List.of(
                "10.2.0.0/16:22",              // one port
                "10.1.0.0/16:8000-9000",       // a range
                "exclude 10.3.0.0/16",         // all ports, longest prefix
                "exclude 10.0.0.0/8",          // exclude before include at the same width
                "10.0.0.0/8",
                "0.0.0.0/0"), ordered.stream().map(Object::toString).toList());
    }

    @Test
    void theFirstMatchingRuleDecides() throws UnknownHostException {
        var includes = in("0/0", "10.9.0.0/16:22");
        var excludes = ex("10.0.0.0/8");
        assertTrue(CaptureRules.captures(includes, excludes, InetAddress.getByName("203.0.113.5"), 22));
        assertFalse(CaptureRules.captures(includes, excludes, InetAddress.getByName("10.1.2.3"), 22));
        assertTrue(CaptureRules.captures(includes, excludes, InetAddress.getByName("10.9.2.3"), 22),
                "a port rule outranks an all-ports exclude");
        assertFalse(CaptureRules.captures(includes, excludes, InetAddress.getByName("10.9.2.3"), 80));
        assertFalse(CaptureRules.captures(includes, excludes, InetAddress.getByName("2001:db8::1"), 22),
                "0/0 is IPv4 only");
        assertFalse(CaptureRules.captures(List.of(), List.of(), InetAddress.getByName("10.0.0.1"), 22));
    }
}
