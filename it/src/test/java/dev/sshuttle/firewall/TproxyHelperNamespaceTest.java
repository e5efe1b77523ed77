package dev.sshuttle.firewall;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.topology.ScratchNamespace;
import dev.sshuttle.sys.NeedsRoot;
import dev.sshuttle.testkit.Prerequisites;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tproxy method through the real helper in a private namespace: mangle chains for TCP and
 * UDP with the client's mark, the ip rule on that mark and the local route in the port's table,
 * all of it gone after EOF and after SIGKILL of the client.
 */
@NeedsRoot
class TproxyHelperNamespaceTest {
    private static final Duration GONE_WITHIN = Duration.ofSeconds(5);
    private ScratchNamespace ns;
    private final List<ProcessHandle> started = new ArrayList<>();

    @BeforeEach
    void namespace() {
        Prerequisites.requireRootAndTools("ip", "iptables", "ip6tables");
        ns = ScratchNamespace.create();
    }

    @AfterEach
    void cleanup() {
        for (ProcessHandle process : started) process.destroyForcibly();
        if (ns != null) ns.close();
    }

    @Test
    void installsTproxyRulesAndPolicyRoutingWithTheClientsMarkAndRemovesAllOnEof() throws IOException {
        FirewallClient client = FirewallClient.start(HelperLaunch.helperInNamespace(ns.name(), "tproxy", null),
                "tproxy", HelperLaunch.rules(HelperLaunch.PORT), Duration.ofSeconds(60), true, 0x2a);
        started.add(ProcessHandle.of(client.pid()).orElseThrow());
        String table = Integer.toString(TproxyMethod.table(HelperLaunch.PORT));
        String v4 = ns.exec("iptables", "-w", "-t", "mangle", "-S");
        String v6 = ns.exec("ip6tables", "-w", "-t", "mangle", "-S");
        for (String rules : List.of(v4, v6)) {
            assertTrue(rules.contains("-A OUTPUT -j sshuttle-m-12300"), rules);
            assertTrue(rules.contains("-A PREROUTING -j sshuttle-t-12300"), rules);
            assertTrue(rules.contains("-p udp -m socket -j sshuttle-d-12300"), rules);
            assertTrue(rules.contains("--on-port 12300 --on-ip") || rules.contains("--on-port 12300"), rules);
            assertTrue(rules.contains("--tproxy-mark 0x2a"), rules);
            assertTrue(rules.contains("-p udp -j TPROXY") && rules.contains("-p tcp -j TPROXY"), rules);
            assertTrue(rules.contains("--dport 53 -j TPROXY") && rules.contains("--on-port " + HelperLaunch.DNS_PORT), rules);
        }
        assertTrue(v4.contains("-d 10.0.0.1/32 -p udp -j RETURN"), "the excluded host, for UDP too: " + v4);
        for (String family : List.of("-4", "-6")) {
            String rule = ns.exec("ip", family, "rule", "show");
            assertTrue(rule.contains("fwmark 0x2a lookup " + table), rule);
            String route = ns.exec("ip", family, "route", "show", "table", table);
            assertTrue(route.contains("local default dev lo"), route);
        }
        client.close();
        assertNothingLeft(table);
    }

    @Test
    void sigkillOfTheClientRemovesRulesIpRulesAndRoutes() throws Exception {
        Process probe = new ProcessBuilder(HelperLaunch.clientProbe(ns.name(), "tproxy", null, HelperLaunch.PORT, false))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        started.add(probe.toHandle());
        String up = new BufferedReader(new InputStreamReader(probe.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        assertNotNull(up, "the client probe died before its helper was up");
        ProcessHandle helper = ProcessHandle.of(Long.parseLong(up.substring("UP ".length()))).orElseThrow();
        started.add(helper);
        String table = Integer.toString(TproxyMethod.table(HelperLaunch.PORT));
        assertTrue(ns.exec("ip", "-6", "rule", "show").contains("lookup " + table));

        probe.destroyForcibly();

        await().atMost(GONE_WITHIN).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .untilAsserted(() -> assertNothingLeft(table));
        await().atMost(Duration.ofSeconds(10)).until(() -> !helper.isAlive());
    }

    @Test
    void aStaleRunsLeftoversOnThePortAreRemovedBeforeInstalling() throws IOException {
        String table = Integer.toString(TproxyMethod.table(HelperLaunch.PORT));
        ns.exec("ip", "-4", "rule", "add", "fwmark", "0x7", "lookup", table);
        ns.exec("ip", "-4", "rule", "add", "fwmark", "0x7", "lookup", table);
        ns.exec("iptables", "-w", "-t", "mangle", "-N", "sshuttle-m-12300");
        ns.exec("iptables", "-w", "-t", "mangle", "-I", "OUTPUT", "1", "-j", "sshuttle-m-12300");
        FirewallClient client = FirewallClient.start(HelperLaunch.helperInNamespace(ns.name(), "tproxy", null),
                "tproxy", HelperLaunch.rules(HelperLaunch.PORT), Duration.ofSeconds(60), true, 0x1);
        started.add(ProcessHandle.of(client.pid()).orElseThrow());
        String rules = ns.exec("ip", "-4", "rule", "show");
        assertEquals(1, rules.lines().filter(l -> l.contains("lookup " + table)).count(), rules);
        assertTrue(rules.contains("fwmark 0x1 lookup " + table), rules);
        client.close();
        assertNothingLeft(table);
    }

    private void assertNothingLeft(String table) {
        for (String tool : List.of("iptables", "ip6tables")) {
            String rules = ns.exec(tool, "-w", "-t", "mangle", "-S");
            assertTrue(!rules.contains("sshuttle"), tool + ": " + rules);
        }
        for (String family : List.of("-4", "-6")) {
            String rule = ns.exec("ip", family, "rule", "show");
            assertTrue(!rule.contains("lookup " + table), rule);
            String route = ns.netns().run("ip", family, "route", "show", "table", table).stdout();
            assertTrue(!route.contains("local"), route);
        }
    }
}
