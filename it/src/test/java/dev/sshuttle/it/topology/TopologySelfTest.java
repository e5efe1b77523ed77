package dev.sshuttle.it.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.sys.Cmd;
import dev.sshuttle.it.target.DnsLookup;
import dev.sshuttle.it.target.HttpService;
import dev.sshuttle.it.target.SinkService;
import dev.sshuttle.it.target.SourceService;
import dev.sshuttle.it.target.TargetServices;
import dev.sshuttle.it.target.TestPattern;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The ground the tunnel is tested on: each property the end-to-end tests rely on. */
@ExtendWith(TopologyExtension.class)
class TopologySelfTest {
    private static final Duration IO = Duration.ofSeconds(5);

    @Test
    void namespacesComeUpWithTheRunPrefix(Topology t) {
        assertTrue(t.prefix().matches("sshj-[a-z0-9]{6}-"), t.prefix());
        String list = Cmd.run(IO, "ip", "netns", "list").orThrow().stdout();
        for (Netns ns : new Netns[] {t.client(), t.gateway(), t.target()}) {
            assertTrue(list.contains(ns.name()), ns + " missing from: " + list);
        }
    }

    @Test
    void sshdAcceptsTheClientKeyFromTheClientNamespace(Topology t) {
        Cmd.Result r = t.client().run(t.ssh().sshArgv("true").toArray(String[]::new));
        assertEquals(0, r.exitCode(), () -> "ssh true failed: " + r.stderr() + "\nsshd log:\n" + t.ssh().logText());
    }

    @Test
    void gatewayRunsPython3OverSsh(Topology t) {
        Cmd.Result r = t.client().run(t.ssh().sshArgv("python3", "-V").toArray(String[]::new));
        assertEquals(0, r.exitCode(), r::stderr);
        assertTrue((r.stdout() + r.stderr()).startsWith("Python 3"), r.stdout() + r.stderr());
    }

    @Test
    void sshCommandIsUsableAsSshuttleDashE(Topology t) {
        // sshuttle splits -e on spaces and appends the destination and the remote command
        String[] argv = (t.ssh().sshCommand() + " " + t.ssh().destination() + " echo ok").split(" ");
        Cmd.Result r = t.client().run(argv);
        assertEquals("ok", r.stdout().strip(), r::stderr);
    }

    @Test
    void clientCannotReachTheTargetDirectly(Topology t) {
        assertThrows(IOException.class, () -> t.client().connect(t.echo(), Duration.ofMillis(1500)).close(),
                "the client reached " + t.echo() + " without a tunnel: " + t.describe());
    }

    @Test
    void jvmSocketInClientNamespaceReachesSshd(Topology t) throws IOException {
        try (Socket s = t.client().connect(new InetSocketAddress(t.gatewayIp(), t.ssh().port()), IO)) {
            s.setSoTimeout(5000);
            byte[] banner = new byte[8];
            assertEquals(8, s.getInputStream().readNBytes(banner, 0, 8));
            assertEquals("SSH-2.0-", new String(banner, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void gatewayReachesTargetEcho(Topology t) throws IOException {
        try (Socket s = t.gateway().connect(t.echo(), IO)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("ping\n", new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII));
        }
        assertEquals(t.gatewayTargetSideIp(), ((InetSocketAddress) t.services().echo().lastPeer()).getAddress());
    }

    @Test
    void gatewayReachesTargetEchoOverIpv6(Topology t) throws IOException {
        try (Socket s = t.gateway().connect(t.target6(TargetServices.ECHO_PORT), IO)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("v6\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("v6\n", new String(s.getInputStream().readNBytes(3), StandardCharsets.US_ASCII));
        }
        assertEquals(t.gatewayTargetSideIp6(), ((InetSocketAddress) t.services().echo().lastPeer()).getAddress());
    }

    @Test
    void clientCannotReachTheTargetDirectlyOverIpv6(Topology t) {
        assertThrows(IOException.class, () -> t.client().connect(t.target6(TargetServices.ECHO_PORT), Duration.ofMillis(1500)).close());
    }

    @Test
    void gatewayReachesTargetHttpWithPython(Topology t) {
        String url = "http://" + t.targetIp().getHostAddress() + "/";
        Cmd.Result r = t.gateway().run("/usr/bin/python3", "-c",
                "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('" + url + "', timeout=5).read().decode())");
        assertEquals(HttpService.GREETING, r.stdout(), r::stderr);
    }

    @Test
    void gatewayReachesTargetDns(Topology t) throws IOException {
        try (DatagramSocket udp = t.gateway().udp(new InetSocketAddress(0))) {
            DnsLookup.Answer known = DnsLookup.queryA(udp, t.dns(), "echo.sshj.test", IO);
            assertEquals(new DnsLookup.Answer(0, Optional.of(t.targetIp())), known);
            DnsLookup.Answer unknown = DnsLookup.queryA(udp, t.dns(), "nope.sshj.test", IO);
            assertEquals(3, unknown.rcode(), "unknown names must be NXDOMAIN");
        }
        assertTrue(t.services().dns().queries().stream().anyMatch(q -> q.name().equals("echo.sshj.test")));
    }

    @Test
    void gatewayResolvesTargetNamesThroughItsResolvConf(Topology t) {
        // the agent resolves with the system resolver: it must find the target's DNS via sshd's view of /etc
        Cmd.Result r = t.client().run(t.ssh().sshArgv("python3", "-c",
                "'import socket; print(socket.gethostbyname(\"echo.sshj.test\"))'").toArray(String[]::new));
        assertEquals(t.targetIp().getHostAddress(), r.stdout().strip(), r::stderr);
        String clientResolvConf = t.client().runOrThrow("cat", "/etc/resolv.conf").stdout();
        assertEquals("nameserver " + t.targetIp().getHostAddress() + "\n", clientResolvConf);
    }

    @Test
    void sinkCountsAndChecksumsWhatItReceives(Topology t) throws IOException {
        byte[] payload = new byte[200_000];
        TestPattern.fill(payload, payload.length, 0);
        CRC32 crc = new CRC32();
        crc.update(payload);
        try (Socket s = t.gateway().connect(t.sink(), IO)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(payload);
            s.shutdownOutput();
            String receipt = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertEquals(SinkService.receipt(payload.length, crc.getValue()), receipt);
        }
    }

    @Test
    void sourceSendsTheRequestedPattern(Topology t) throws IOException {
        long n = 300_000;
        try (Socket s = t.gateway().connect(t.source(), IO)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(SourceService.request(n));
            InputStream in = s.getInputStream();
            CRC32 crc = new CRC32();
            long got = 0;
            byte[] buf = new byte[65536];
            for (int r; (r = in.read(buf)) > 0; got += r) crc.update(buf, 0, r);
            assertEquals(n, got);
            assertEquals(TestPattern.crc32(n), crc.getValue());
        }
    }
}
