package dev.sshuttle.it.tunnel;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.gates.FirewallRules;
import dev.sshuttle.it.gates.ProcessTree;
import dev.sshuttle.it.target.DnsLookup;
import dev.sshuttle.it.target.SourceService;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The options a user reaches for after the first run, each end to end through real ssh:
 * nft, IPv6, excludes with ports, --dns, -N, and -D with a pidfile.
 */
@ExtendWith(TopologyExtension.class)
class TunnelFeaturesTest {
    private static final Duration RULES_GONE_WITHIN = Duration.ofSeconds(2);
    private static final Duration IO = Duration.ofSeconds(10);

    private static void assertEchoWorks(Topology t, InetSocketAddress echo) throws IOException {
        try (Socket s = t.client().connect(echo, IO)) {
            s.setSoTimeout((int) IO.toMillis());
            s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertEquals("ping", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    private static void assertStopsCleanly(Topology t, BackgroundProcess client) {
        assertEquals(0, client.terminate(IO), client.tail());
        FirewallRules.assertNoneLeft(t.client(), "SIGTERM", RULES_GONE_WITHIN);
    }

    @Test
    void nftMethodCarriesTraffic(Topology t) throws Exception {
        try (BackgroundProcess client = Tunnels.connected(t, "nft", "--method", "nft", t.targetSubnet())) {
            assertFalse(FirewallRules.sshuttleRules(t.client()).isEmpty(), "nft rules installed");
            assertEchoWorks(t, t.echo());
            assertStopsCleanly(t, client);
        }
    }

    @Test
    void ipv6SubnetIsCaptured(Topology t) throws Exception {
        try (BackgroundProcess client = Tunnels.connected(t, "ipv6", t.targetSubnet6())) {
            assertEchoWorks(t, t.target6(t.echo().getPort()));
            assertStopsCleanly(t, client);
        }
    }

    @Test
    void anExcludedPortIsNotTunneled(Topology t) throws Exception {
        String excluded = t.targetIp().getHostAddress() + "/32:" + t.http().getPort();
        try (BackgroundProcess client = Tunnels.connected(t, "exclude", "-x", excluded, t.targetSubnet())) {
            assertEchoWorks(t, t.echo());
            // not captured: it takes the plain route, where the gateway does not forward
            assertThrows(IOException.class, () -> t.client().connect(t.http(), Duration.ofSeconds(2)).close(),
                    "a connection to the excluded port must not go through the tunnel");
            assertStopsCleanly(t, client);
        }
    }

    @Test
    void dnsRequestsAreAnsweredByTheRemoteResolver(Topology t) throws Exception {
        InetSocketAddress nameserver = t.dns(); // the client's resolv.conf names it
        try (DatagramSocket udp = t.client().udp(new InetSocketAddress(0))) {
            assertThrows(SocketTimeoutException.class,
                    () -> DnsLookup.queryA(udp, nameserver, "target.sshj.test", Duration.ofSeconds(1)),
                    "without the tunnel the nameserver is unreachable");
        }
        try (BackgroundProcess client = Tunnels.connected(t, "dns", "--dns", t.targetSubnet());
             DatagramSocket udp = t.client().udp(new InetSocketAddress(0))) {
            DnsLookup.Answer answer = DnsLookup.queryA(udp, nameserver, "target.sshj.test", IO);
            assertEquals(0, answer.rcode(), "NOERROR through the tunnel");
            assertEquals(t.targetIp(), answer.address().orElseThrow());
            assertStopsCleanly(t, client);
        }
    }

    @Test
    void autoNetsCaptureTheRemotesRoutes(Topology t) throws Exception {
        // no subnet on the command line: the target's network comes from the gateway's routes
        try (BackgroundProcess client = Tunnels.connected(t, "autonets", "-N")) {
            assertEchoWorks(t, t.echo());
            assertStopsCleanly(t, client);
        }
    }

    @Test
    void daemonModeDetachesAndItsPidfileStopsIt(Topology t) throws Exception {
        Path pidfile = t.workDir().resolve("daemon.pid");
        Path logfile = t.workDir().resolve("daemon-own.log");
        try (BackgroundProcess parent = Tunnels.start(t, "daemon", "-D", "--pidfile", pidfile.toString(),
                "--logfile", logfile.toString(), t.targetSubnet())) {
            assertEquals(0, parent.awaitExit(Duration.ofSeconds(60)), "the foreground part returns once connected:\n" + parent.tail());
            assertTrue(Files.isRegularFile(pidfile), "pidfile written");
            long pid = Long.parseLong(Files.readString(pidfile).strip());
            ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no process " + pid));
            assertEchoWorks(t, t.echo());
            new ProcessBuilder("kill", "-TERM", Long.toString(pid)).start().waitFor();
            await("the daemon ends on SIGTERM").atMost(IO).until(() -> !daemon.isAlive());
            FirewallRules.assertNoneLeft(t.client(), "the daemon's SIGTERM", RULES_GONE_WITHIN);
            await("the daemon removes its pidfile").atMost(IO).until(() -> !Files.exists(pidfile));
        }
    }

    @Test
    void autoAgentPicksTheJavaAgentWhereTheRemoteHasAJdk(Topology t) throws Exception {
        try (BackgroundProcess client = Tunnels.connected(t, "auto", "--agent", "auto", t.targetSubnet())) {
            ProcessTree.Proc agent = ProcessTree.awaitOne(t.gateway(), ProcessTree.agent(), "remote agent", IO);
            assertTrue(agent.cmdline().contains("--server"), "the Java agent runs on the gateway: " + agent.cmdline());
            assertEchoWorks(t, t.echo());
            assertStopsCleanly(t, client);
        }
    }

    @Test
    void userCapturesOnlyThatUsersConnections(Topology t) throws Exception {
        try (BackgroundProcess client = Tunnels.connected(t, "user", "--user", "nobody", t.targetSubnet())) {
            // root's connection (this JVM) is not captured: the plain route dead-ends at the gateway
            assertThrows(IOException.class, () -> t.client().connect(t.echo(), Duration.ofSeconds(2)).close(),
                    "a connection of another user must not go through the tunnel");
            // nobody's is
            String echoed = asNobody(t, "import socket; s = socket.create_connection(('" + t.echo().getAddress().getHostAddress()
                    + "', " + t.echo().getPort() + "), 10); s.sendall(b'as nobody'); s.shutdown(socket.SHUT_WR); "
                    + "print(s.makefile('rb').read().decode())");
            assertEquals("as nobody", echoed);
            assertTrue(mangleMarks(t).contains("--uid-owner 65534"), "the owner mark rule: " + mangleMarks(t));
            client.kill(); // SIGKILL: the helper alone cleans up, mark rule included
            await("the owner mark rule goes with the others").atMost(RULES_GONE_WITHIN)
                    .until(() -> !mangleMarks(t).contains("MARK") && FirewallRules.sshuttleRules(t.client()).isEmpty());
        }
    }

    private static String mangleMarks(Topology t) {
        return t.client().run("iptables", "-w", "-t", "mangle", "-S", "OUTPUT").stdout();
    }

    /** Runs python code as the user nobody inside the client namespace; its stdout, stripped. */
    private static String asNobody(Topology t, String python) throws Exception {
        Process p = t.client().command("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                "/usr/bin/python3", "-c", python).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "python as nobody finished");
        assertEquals(0, p.exitValue(), "python as nobody: " + out);
        return out;
    }

    @Test
    void builtinTransportNeedsNoSshClient(Topology t) throws Exception {
        Path home = t.ssh().clientHome(t.workDir().resolve("home"), "gw", true);
        try (BackgroundProcess client = builtinClient(t, home, "builtin")) {
            client.awaitLog("Connected to server", Tunnels.CONNECT_WITHIN);
            assertEchoWorks(t, t.echo());
            assertStopsCleanly(t, client);
        }
    }

    @Test
    void builtinTransportRefusesAnUnknownHostKeyWithASentence(Topology t) throws Exception {
        Path home = t.ssh().clientHome(t.workDir().resolve("home-no-key"), "gw", false);
        try (BackgroundProcess client = builtinClient(t, home, "builtin-unknown-key")) {
            int code = client.awaitExit(Duration.ofSeconds(60));
            String log = client.log();
            System.out.println("builtin transport, unknown host key: exit " + code + ", client said:\n" + log.strip());
            assertTrue(code != 0 && log.contains("known_hosts"), "exit " + code + ", said:\n" + log);
            assertFalse(log.contains("\tat "), "no stack trace for the user:\n" + log);
            assertTrue(FirewallRules.sshuttleRules(t.client()).isEmpty(), "no rules after a refused start");
        }
    }

    /** The client JVM with user.home = home, -r gw (an alias in home/.ssh/config), --transport builtin. */
    private static BackgroundProcess builtinClient(Topology t, Path home, String name) {
        List<String> argv = Tunnels.clientJvm("-Duser.home=" + home);
        argv.addAll(List.of("--transport", "builtin", "-r", "gw", t.targetSubnet()));
        return t.client().start(t.workDir().resolve(name + ".log"), argv.toArray(String[]::new));
    }

    @Test
    void withoutAnAgentEachConnectionIsAnSshForwardingChannel(Topology t) throws Exception {
        Path home = t.ssh().clientHome(t.workDir().resolve("home-agentless"), "gw", true);
        List<String> argv = Tunnels.clientJvm("-Duser.home=" + home);
        argv.addAll(List.of("--transport", "builtin", "--agent", "none", "-r", "gw", t.targetSubnet()));
        try (BackgroundProcess client = t.client().start(t.workDir().resolve("agentless.log"), argv.toArray(String[]::new))) {
            client.awaitLog("Connected to server", Tunnels.CONNECT_WITHIN);
            assertEchoWorks(t, t.echo()); // includes a half-close: our EOF first, then the answer
            try (Socket s = t.client().connect(t.source(), IO)) { // the server ends first: its EOF must arrive
                s.setSoTimeout((int) IO.toMillis());
                SourceService.Download d = SourceService.download(s, 5_000_000);
                assertTrue(d.isPattern(5_000_000), "download intact and ended by the server's EOF: " + d);
            }
            ProcessTree.assertNoneLeft(t.gateway(), ProcessTree.agent(), "an agent (there must be none)", Duration.ofSeconds(1));
            // a refused connect on the remote side reaches the application as a reset, not a clean EOF
            try (Socket s = t.client().connect(new InetSocketAddress(t.targetIp(), 1), IO)) {
                s.setSoTimeout((int) IO.toMillis());
                assertThrows(java.net.SocketException.class, () -> s.getInputStream().read());
            }
            assertStopsCleanly(t, client);
        }
    }
}
