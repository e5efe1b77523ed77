package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.gates.FirewallRules;
import dev.sshuttle.it.target.DnsLookup;
import dev.sshuttle.it.target.TargetServices;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.testkit.Prerequisites;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * --method tproxy end to end through real sshd: TCP, and UDP in the mux (DNS to the target's
 * nameserver without --dns, a UDP echo), in IPv4 and IPv6; the replies must come from the
 * address the application sent to (the test's sockets are connected to it, so a reply from
 * anywhere else never arrives). After SIGTERM and after SIGKILL no iptables rule, ip rule or
 * route of ours is left.
 */
@ExtendWith(TopologyExtension.class)
class TproxyTunnelTest {
    private static final Duration IO = Duration.ofSeconds(10);
    private static final Duration DATAGRAM_TIMEOUT = Duration.ofSeconds(3);
    private static final int DNS_QUERIES = 200;
    private static final int ECHO_DATAGRAMS = 1000;

    @BeforeEach
    void prerequisites() {
        Prerequisites.requireTools("iptables", "ip6tables");
    }

    @AfterAll
    static void removeJavaAgentCache() throws IOException {
        Tunnels.removeUploadedJavaAgent();
    }

    private static BackgroundProcess tproxy(Topology t, String name, String agent) {
        return Tunnels.connected(t, name, "--method", "tproxy", "-t", "0x5", "--udp-timeout", "2s", "--agent", agent,
                t.targetSubnet(), t.targetSubnet6());
    }

    @ParameterizedTest(name = "agent {0}")
    @ValueSource(strings = {"python", "java"})
    void tcpAndUdpInBothFamiliesThenSigtermLeavesNothing(String agent, Topology t) throws Exception {
        try (BackgroundProcess client = tproxy(t, "tproxy-term-" + agent, agent)) {
            assertTrue(t.client().run("ip", "-4", "rule", "show").stdout().contains("fwmark 0x5"),
                    "the ip rule carries the -t mark");
            TunnelTransfers.echoWithHalfClose(t, "tproxy tcp", IO);
            TunnelTransfers.download(t, 4 << 20, IO).print("tproxy v4");
            TunnelTransfers.upload(t, 4 << 20, IO).print("tproxy v4");
            assertTcpEcho(t, t.target6(TargetServices.ECHO_PORT));
            for (InetSocketAddress dns : List.of(t.dns(), t.target6(TargetServices.DNS_PORT))) {
                assertEquals(DNS_QUERIES, answeredDnsQueries(t, dns), "DNS answers from " + dns);
            }
            InetAddress asker = ((InetSocketAddress) t.services().dns().queries().getLast().from()).getAddress();
            assertEquals(t.gatewayTargetSideIp6(), asker, "the queries reached the nameserver from the agent on the gateway");
            for (InetSocketAddress echo : List.of(new InetSocketAddress(t.targetIp(), TargetServices.ECHO_PORT),
                    t.target6(TargetServices.ECHO_PORT))) {
                assertEquals(ECHO_DATAGRAMS, echoedDatagrams(t, echo), "UDP echoes from " + echo);
            }
            Tunnels.stopCleanly(t, client, IO, "SIGTERM of a tproxy client");
        }
    }

    @Test
    void sigkillOfTheClientLeavesNoRuleIpRuleOrRoute(Topology t) throws Exception {
        try (BackgroundProcess client = tproxy(t, "tproxy-kill", "python")) {
            assertFalse(FirewallRules.sshuttleRules(t.client()).isEmpty(), "tproxy rules installed");
            assertEquals(10, echoedDatagrams(t, t.target6(TargetServices.ECHO_PORT), 10));
            client.kill();
            FirewallRules.assertNoneLeft(t.client(), "SIGKILL of a tproxy client");
        }
    }

    @Test
    void anIdleUdpFlowIsClosedAndANewOneWorks(Topology t) throws Exception {
        try (BackgroundProcess client = Tunnels.connected(t, "tproxy-idle", "--method", "tproxy", "-vv",
                "--udp-timeout", "1s", t.targetSubnet());
             DatagramSocket udp = t.client().udp(new InetSocketAddress(0))) {
            udp.connect(new InetSocketAddress(t.targetIp(), TargetServices.ECHO_PORT));
            assertEquals(5, echoed(udp, 5));
            client.awaitLog("UDP channel \\d+: idle, closed", Duration.ofSeconds(10));
            assertEquals(5, echoed(udp, 5), "the same socket after its flow expired: a new flow");
            Tunnels.stopCleanly(t, client, IO, "SIGTERM");
        }
    }

    /**
     * --ns-hosts with tproxy: the nameserver itself is excluded from the subnets, so only the DNS
     * rule can carry its queries (as DNS_REQ); the answers must come from the nameserver's address.
     */
    @Test
    void dnsListenerAnswersFromTheNameserversAddress(Topology t) throws Exception {
        String ns = t.targetIp().getHostAddress();
        try (BackgroundProcess client = Tunnels.connected(t, "tproxy-dns", "--method", "tproxy", "--ns-hosts", ns,
                "-x", ns + "/32", t.targetSubnet())) {
            assertEquals(50, answeredDnsQueries(t, t.dns(), 50));
            Tunnels.stopCleanly(t, client, IO, "SIGTERM");
        }
    }

    @Test
    void flowsPastTheCapAreDroppedUntilOthersExpire(Topology t) throws Exception {
        InetSocketAddress echo = new InetSocketAddress(t.targetIp(), TargetServices.ECHO_PORT);
        try (BackgroundProcess client = Tunnels.connected(t, "tproxy-cap", "--method", "tproxy", "--udp-flows", "2",
                "--udp-timeout", "1s", t.targetSubnet());
             DatagramSocket first = t.client().udp(new InetSocketAddress(0));
             DatagramSocket second = t.client().udp(new InetSocketAddress(0));
             DatagramSocket third = t.client().udp(new InetSocketAddress(0))) {
            for (DatagramSocket s : List.of(first, second, third)) s.connect(echo);
            assertEquals(3, echoed(first, 3));
            assertEquals(3, echoed(second, 3));
            assertEquals(0, echoed(third, 1), "a third flow past --udp-flows 2 is dropped");
            client.awaitLog("UDP: 2 flows open; dropping datagrams of new ones", IO);
            // the first two idle out after 1 s; the third then gets a flow of its own
            org.awaitility.Awaitility.await().atMost(IO).until(() -> echoed(third, 1) == 1);
            Tunnels.stopCleanly(t, client, IO, "SIGTERM");
        }
    }

    private static void assertTcpEcho(Topology t, InetSocketAddress echo) throws IOException {
        try (var s = t.client().connect(echo, IO)) {
            s.setSoTimeout((int) IO.toMillis());
            s.getOutputStream().write("v6".getBytes());
            s.shutdownOutput();
            assertEquals("v6", new String(s.getInputStream().readAllBytes()));
        }
    }

    /** DNS_QUERIES lookups, one socket each (a new flow each), each must give the right A record. */
    private static int answeredDnsQueries(Topology t, InetSocketAddress server) throws IOException {
        return answeredDnsQueries(t, server, DNS_QUERIES);
    }

    private static int answeredDnsQueries(Topology t, InetSocketAddress server, int queries) throws IOException {
        int ok = 0;
        for (int i = 0; i < queries; i++) {
            InetSocketAddress any = new InetSocketAddress(server.getAddress() instanceof Inet6Address ? "::" : "0.0.0.0", 0);
            try (DatagramSocket udp = t.client().udp(any)) {
                udp.connect(server);
                DnsLookup.Answer a = DnsLookup.queryA(udp, server, "target.sshj.test", DATAGRAM_TIMEOUT);
                if (a.rcode() == 0 && a.address().equals(Optional.of((InetAddress) t.targetIp()))) ok++;
            }
        }
        return ok;
    }

    private static int echoedDatagrams(Topology t, InetSocketAddress echo) throws IOException {
        return echoedDatagrams(t, echo, ECHO_DATAGRAMS);
    }

    private static int echoedDatagrams(Topology t, InetSocketAddress echo, int count) throws IOException {
        try (DatagramSocket udp = t.client().udp(new InetSocketAddress(0))) {
            udp.connect(echo);
            return echoed(udp, count);
        }
    }

    /** Sends count datagrams of varying size one after another; returns how many came back intact. */
    private static int echoed(DatagramSocket udp, int count) throws IOException {
        udp.setSoTimeout((int) DATAGRAM_TIMEOUT.toMillis());
        byte[] in = new byte[65535];
        int ok = 0;
        for (int i = 0; i < count; i++) {
            byte[] out = new byte[1 + (i * 37) % 1400];
            Arrays.fill(out, (byte) i);
            out[0] = (byte) (i >> 8);
            udp.send(new DatagramPacket(out, out.length));
            DatagramPacket p = new DatagramPacket(in, in.length);
            try {
                udp.receive(p);
            } catch (java.net.SocketTimeoutException e) {
                continue;
            }
            if (Arrays.equals(out, Arrays.copyOf(p.getData(), p.getLength()))) ok++;
        }
        return ok;
    }
}
