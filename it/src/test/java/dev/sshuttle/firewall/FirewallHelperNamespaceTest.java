package dev.sshuttle.firewall;

import dev.sshuttle.it.topology.ScratchNamespace;
import dev.sshuttle.net.Family;
import dev.sshuttle.net.SubnetRule;
import dev.sshuttle.sys.NeedsRoot;
import dev.sshuttle.sys.OriginalDestination;
import dev.sshuttle.testkit.Prerequisites;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeout;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The helper as a real root process inside a private namespace, with the real tools: its rules
 * exist exactly while a client holds its pipe, whatever way the session ends.
 */
@NeedsRoot
class FirewallHelperNamespaceTest {
    private static final Duration GONE_WITHIN = Duration.ofSeconds(2);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    /** A method and backend with how to list what it installed. */
    enum Setup {
        NAT_NF_TABLES("nat", "nft", "iptables-nft", "ip6tables-nft"),
        NAT_LEGACY("nat", "legacy", "iptables-legacy", "ip6tables-legacy"),
        NFT("nft", null, "nft", "nft");

        final String method;
        final String backend;
        final String v4Tool;
        final String v6Tool;

        Setup(String method, String backend, String v4Tool, String v6Tool) {
            this.method = method;
            this.backend = backend;
            this.v4Tool = v4Tool;
            this.v6Tool = v6Tool;
        }

        String ruleset(ScratchNamespace ns) {
            if (method.equals("nft")) return ns.exec("nft", "list", "ruleset");
            return ns.exec(v4Tool, "-w", "-t", "nat", "-S") + ns.exec(v6Tool, "-w", "-t", "nat", "-S");
        }
    }

    private ScratchNamespace ns;
    private final List<ProcessHandle> started = new ArrayList<>();

    @BeforeEach
    void namespace() {
        Prerequisites.requireRootAndTools("ip", "iptables", "ip6tables", "nft");
        ns = ScratchNamespace.create();
    }

    @AfterEach
    void cleanup() {
        for (ProcessHandle process : started) process.destroyForcibly();
        if (ns != null) ns.close();
    }

    @ParameterizedTest
    @EnumSource(Setup.class)
    void rulesExistWhileTheSessionLastsAndAreGoneSoonAfterEof(Setup setup) throws IOException {
        requireTools(setup);
        FirewallClient client = start(setup, HelperLaunch.PORT);
        assertEquals(setup.method, client.helperMethod());
        assertInstalled(setup, setup.ruleset(ns), HelperLaunch.PORT);
        assertTimeout(GONE_WITHIN, client::close, "helper took too long to clean up after EOF");
        assertNothingLeft(setup);
    }

    @ParameterizedTest(name = "{0} via sudo: {1}")
    @CsvSource({"NAT_NF_TABLES, false", "NFT, false", "NAT_NF_TABLES, true"})
    void sigkillOfTheClientProcessRemovesEveryRule(Setup setup, boolean viaSudo) throws Exception {
        if (viaSudo) Prerequisites.require(Prerequisites.onPath("sudo"), "needs sudo");
        Process probe = new ProcessBuilder(HelperLaunch.clientProbe(ns.name(), setup.method, setup.backend,
                HelperLaunch.PORT, viaSudo)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        started.add(probe.toHandle());
        String up = new BufferedReader(new InputStreamReader(probe.getInputStream(), StandardCharsets.US_ASCII))
                .readLine();
        assertNotNull(up, "the client probe died before its helper was up");
        ProcessHandle helper = ProcessHandle.of(Long.parseLong(up.substring("UP ".length()))).orElseThrow();
        started.add(helper);
        assertInstalled(setup, setup.ruleset(ns), HelperLaunch.PORT);

        probe.destroyForcibly(); // SIGKILL: no code of the client runs, only the kernel closes its pipe

        awaitNoRules(setup);
        await().atMost(Duration.ofSeconds(10)).until(() -> !helper.isAlive());
    }

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT"})
    void terminatingSignalsToTheHelperRemoveEveryRule(String signal) throws Exception {
        FirewallClient client = start(Setup.NAT_NF_TABLES, HelperLaunch.PORT);
        assertInstalled(Setup.NAT_NF_TABLES, Setup.NAT_NF_TABLES.ruleset(ns), HelperLaunch.PORT);
        signal(client, signal);
        awaitNoRules(Setup.NAT_NF_TABLES);
        await().atMost(Duration.ofSeconds(10)).until(() -> !client.isAlive());
    }

    @Test
    void hangupDoesNotEndTheHelper() throws Exception {
        FirewallClient client = start(Setup.NAT_NF_TABLES, HelperLaunch.PORT);
        signal(client, "HUP");
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(client::isAlive);
        assertInstalled(Setup.NAT_NF_TABLES, Setup.NAT_NF_TABLES.ruleset(ns), HelperLaunch.PORT);
        client.close();
        assertNothingLeft(Setup.NAT_NF_TABLES);
    }

    @ParameterizedTest
    @EnumSource(value = Setup.class, names = {"NAT_NF_TABLES", "NFT"})
    void twoInstancesOnDifferentPortsCoexist(Setup setup) throws IOException {
        FirewallClient first = start(setup, HelperLaunch.PORT);
        FirewallClient second = start(setup, HelperLaunch.PORT + 1);
        String both = setup.ruleset(ns);
        assertInstalled(setup, both, HelperLaunch.PORT);
        assertInstalled(setup, both, HelperLaunch.PORT + 1);

        second.close();
        String onlyFirst = setup.ruleset(ns);
        assertInstalled(setup, onlyFirst, HelperLaunch.PORT);
        assertFalse(onlyFirst.contains(Integer.toString(HelperLaunch.PORT + 1)), onlyFirst);

        first.close();
        assertNothingLeft(setup);
    }

    @ParameterizedTest
    @EnumSource(value = Setup.class, names = {"NAT_NF_TABLES", "NFT"})
    void staleRulesOfACrashedRunOnTheSamePortAreReplaced(Setup setup) throws IOException {
        // what a helper killed with SIGKILL leaves: its rules, here for another subnet, and a doubled jump
        FirewallRules stale = new FirewallRules(List.of(SubnetRule.include(RuleFixtures.ip("192.168.0.0"), 16)),
                List.of(), ListenPorts.tcp(HelperLaunch.PORT));
        FirewallMethod method = setup.method.equals("nft") ? new NftMethod()
                : new NatMethod(new Iptables(setup.v4Tool, setup.v6Tool, Iptables.NFT));
        for (List<String> command : method.setupCommands(Family.IPV4, stale)) ns.exec(command.toArray(String[]::new));
        if (method instanceof NatMethod) ns.exec(setup.v4Tool, "-w", "-t", "nat", "-I", "OUTPUT", "1", "-j", "sshuttle-12300");
        assertTrue(setup.ruleset(ns).contains("192.168.0.0/16"));

        FirewallClient client = start(setup, HelperLaunch.PORT);
        String rules = setup.ruleset(ns);
        assertInstalled(setup, rules, HelperLaunch.PORT);
        assertFalse(rules.contains("192.168.0.0/16"), rules);
        if (method instanceof NatMethod) {
            String output = ns.exec(setup.v4Tool, "-w", "-t", "nat", "-S", "OUTPUT");
            assertEquals(1, output.lines().filter(l -> l.endsWith(" -j sshuttle-12300")).count(), output);
        }
        client.close();
        assertNothingLeft(setup);
    }

    /** Before port locks, the second run removed the first one's rules as "stale", and its end left the first with none. */
    @ParameterizedTest
    @EnumSource(value = Setup.class, names = {"NAT_NF_TABLES", "NFT"})
    void aSecondHelperOnAPortARunningOneHoldsIsRefusedAndTouchesNoRule(Setup setup) throws Exception {
        FirewallClient first = start(setup, HelperLaunch.PORT);
        String before = setup.ruleset(ns);
        Process second = new ProcessBuilder(HelperLaunch.helperInNamespace(ns.name(), setup.method, setup.backend)).start();
        started.add(second.toHandle());
        try (var toHelper = second.getOutputStream()) {
            toHelper.write("ROUTES\n2,8,0,10.0.0.0,0,0\nNSLIST\nPORTS 0,12300,0,0\nGO 0 - - 0x01 1\n"
                    .getBytes(StandardCharsets.US_ASCII));
        }
        String err = new String(second.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, second.waitFor());
        assertTrue(err.contains("port " + HelperLaunch.PORT + " is in use by another running sshuttle"), err);
        assertEquals(before, setup.ruleset(ns));
        first.close();
        assertNothingLeft(setup);
    }

    /** Before tags, the cleanup deleted every mangle OUTPUT rule that set the port's mark, whoever put it there. */
    @Test
    void aSessionRemovesOnlyTheMarkRulesItPutIn() throws IOException {
        Setup setup = Setup.NAT_NF_TABLES;
        String foreign = "-A OUTPUT -m owner --uid-owner 4242 -j MARK --set-xmark 0x300c/0xffffffff"; // 0x300c = 12300
        List<String> add = new ArrayList<>(List.of(setup.v4Tool, "-w", "-t", "mangle"));
        add.addAll(List.of(foreign.split(" ")));
        ns.exec(add.toArray(String[]::new));
        FirewallClient client = FirewallClient.start(HelperLaunch.helperInNamespace(ns.name(), setup.method, setup.backend),
                setup.method, HelperLaunch.rules(HelperLaunch.PORT).withOwner(new Owner(4343, null)), READY_TIMEOUT);
        started.add(ProcessHandle.of(client.pid()).orElseThrow());
        String during = ns.exec(setup.v4Tool, "-w", "-t", "mangle", "-S", "OUTPUT");
        assertTrue(during.contains("--uid-owner 4343") && during.contains(foreign), during);
        client.close();
        String after = ns.exec(setup.v4Tool, "-w", "-t", "mangle", "-S", "OUTPUT");
        assertTrue(after.contains(foreign), "someone else's mark rule stays: " + after);
        assertFalse(after.contains("4343") || after.contains("sshuttle"), after);
        assertNothingLeft(setup);
    }

    @ParameterizedTest
    @EnumSource(Setup.class)
    void aCapturedConnectionReachesTheListenerWhichLearnsTheOriginalDestination(Setup setup) throws Exception {
        requireTools(setup);
        ns.routeFakeRemotes();
        try (ServerSocketChannel listener = ns.netns().call(
                () -> ServerSocketChannel.open().bind(new InetSocketAddress(0)))) {
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            FirewallClient client = start(setup, port);
            for (String target : List.of("10.9.9.9", "fd00:9::9")) {
                try (SocketChannel app = ns.netns().call(SocketChannel::open)) {
                    app.connect(new InetSocketAddress(target, 80));
                    try (SocketChannel accepted = listener.accept()) {
                        assertEquals(new InetSocketAddress(target, 80), OriginalDestination.of(accepted), setup + " " + target);
                    }
                }
            }
            client.close();
        }
    }

    @Test
    void theClientsMethodLineOverridesTheHelpersArgument() throws IOException {
        FirewallClient client = FirewallClient.start(HelperLaunch.helperInNamespace(ns.name(), "nat", null), "nft",
                HelperLaunch.rules(HelperLaunch.PORT), READY_TIMEOUT);
        started.add(ProcessHandle.of(client.pid()).orElseThrow());
        assertInstalled(Setup.NFT, Setup.NFT.ruleset(ns), HelperLaunch.PORT);
        assertFalse(ns.exec("iptables", "-w", "-t", "nat", "-S").contains("sshuttle"));
        client.close();
        assertNothingLeft(Setup.NFT);
    }

    @Test
    void aFailingToolCommandIsReportedWithItsOutputAndTheHelperExitsNonZero() throws Exception {
        // a chain of our name that another chain still jumps to cannot be deleted: -X fails
        ns.exec("iptables", "-w", "-t", "nat", "-N", "sshuttle-12300");
        ns.exec("iptables", "-w", "-t", "nat", "-N", "blocker");
        ns.exec("iptables", "-w", "-t", "nat", "-A", "blocker", "-j", "sshuttle-12300");
        Process helper = new ProcessBuilder(HelperLaunch.helperInNamespace(ns.name(), "nat", null)).start();
        started.add(helper.toHandle());
        try (var toHelper = helper.getOutputStream()) {
            toHelper.write("ROUTES\n2,8,0,10.0.0.0,0,0\nNSLIST\nPORTS 0,12300,0,0\nGO 0 - - 0x01 1\n"
                    .getBytes(StandardCharsets.US_ASCII));
        }
        String out = new String(helper.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        String err = new String(helper.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, helper.waitFor());
        assertEquals("READY nat\n", out);
        assertTrue(err.contains("iptables -w -t nat -X sshuttle-12300"), err);
        assertTrue(err.lines().count() >= 2, "the tool's own message follows the command: " + err);
    }

    private FirewallClient start(Setup setup, int port) throws IOException {
        FirewallClient client = FirewallClient.start(HelperLaunch.helperInNamespace(ns.name(), setup.method, setup.backend),
                setup.method, HelperLaunch.rules(port), READY_TIMEOUT);
        started.add(ProcessHandle.of(client.pid()).orElseThrow());
        return client;
    }

    /** Sends a signal to the helper we started, by its pid. */
    private static void signal(FirewallClient client, String signal) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(client.pid())).start().waitFor());
    }

    private void awaitNoRules(Setup setup) {
        await().atMost(GONE_WITHIN).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> !setup.ruleset(ns).contains("sshuttle"));
    }

    private static void assertInstalled(Setup setup, String ruleset, int port) {
        String name = setup.method.equals("nft") ? "sshuttle-ipv4-" + port : "sshuttle-" + port;
        assertTrue(ruleset.contains(name), ruleset);
        if (setup.method.equals("nft")) assertTrue(ruleset.contains("sshuttle-ipv6-" + port), ruleset);
        assertTrue(ruleset.contains("10.0.0.0/8") && ruleset.contains("fd00::/8") && ruleset.contains("10.0.0.1"),
                ruleset);
        assertTrue(ruleset.contains("10.0.0.53") && ruleset.contains("fd00::53")
                && ruleset.contains(Integer.toString(HelperLaunch.DNS_PORT)), ruleset);
    }

    private void assertNothingLeft(Setup setup) {
        String ruleset = setup.ruleset(ns);
        assertFalse(ruleset.contains("sshuttle"), ruleset);
    }

    private static void requireTools(Setup setup) {
        Prerequisites.require(Prerequisites.onPath(setup.v4Tool) && Prerequisites.onPath(setup.v6Tool),
                "needs " + setup.v4Tool + " and " + setup.v6Tool);
    }
}
