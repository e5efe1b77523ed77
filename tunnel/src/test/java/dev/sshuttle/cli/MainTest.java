package dev.sshuttle.cli;

import dev.sshuttle.exit.ExitCodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.config.ClientOptions;
import dev.sshuttle.config.HostResolver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs {@link Main} in-process with captured streams and recording runners. */
class MainTest {

    @TempDir
    Path dir;

    final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    final Map<String, String> env = new HashMap<>();
    ClientOptions seen;
    String[] agentArgs;
    String[] firewallArgs;
    ClientRunner client = options -> {
        seen = options;
        return 0;
    };

    int run(String... args) {
        HostResolver resolver = host -> host.equals("gw.test")
                ? new InetAddress[] {InetAddress.getByName("192.0.2.1")}
                : HostResolver.SYSTEM.resolve(host.endsWith(".test") ? "nonexistent invalid" : host);
        Runners runners = new Runners(o -> client.run(o), a -> {
            agentArgs = a;
            return 98;
        }, a -> {
            firewallArgs = a;
            return 0;
        });
        Main main = new Main(runners, new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8), env, resolver, dir);
        return main.run(args);
    }

    String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    List<String> errLines() {
        return errBytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    /** A usage error is exit 2, one line saying what, one usage hint; the client never ran. */
    void assertUsageError(int code, String mentions) {
        assertEquals(ExitCodes.USAGE, code, errLines().toString());
        List<String> lines = errLines();
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("sshuttle: "), lines.get(0));
        assertTrue(lines.get(0).contains(mentions), lines.get(0) + " should mention " + mentions);
        assertEquals(Main.USAGE_HINT, lines.get(1));
        assertNull(seen, "the client must not run");
    }

    @Test
    void typicalCommandLine() throws Exception {
        assertEquals(0, run("-r", "me@gw.test:2222", "10.0.0.0/8", "1.2.3.4:80", "-x", "10.1.0.0/16", "-vv"));
        assertEquals("me", seen.remote().user());
        assertEquals("gw.test", seen.remote().host());
        assertEquals(2222, seen.remote().port());
        assertEquals(List.of("10.0.0.0/8", "1.2.3.4/32:80"), seen.includes().stream().map(Object::toString).toList());
        assertEquals(List.of("exclude 10.1.0.0/16"), seen.excludes().stream().map(Object::toString).toList());
        assertEquals(2, seen.verbose());
        assertTrue(errLines().isEmpty(), errLines().toString());
    }

    @Test
    void defaultsMatchSshuttle() throws Exception {
        assertEquals(0, run("-r", "host", "0/0"));
        assertEquals(List.of("ssh"), seen.sshCmd());
        assertEquals(ClientOptions.Method.AUTO, seen.method());
        assertTrue(seen.latencyControl());
        assertEquals(32768, seen.latencyBufferSize());
        assertFalse(seen.daemon());
        assertEquals(dir.resolve("sshuttle.pid"), seen.pidfile());
        assertEquals("0x01", seen.tmark());
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), seen.listen().ipv4());
        assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 0), seen.listen().ipv6());
        assertEquals(ClientOptions.Agent.PYTHON, seen.agent());
        assertEquals(ClientOptions.Protocol.AUTO, seen.protocol());
        assertEquals(ClientOptions.Transport.SSH, seen.transport());
        assertEquals(Duration.ofSeconds(5), seen.keepaliveInterval());
        assertEquals(Duration.ofSeconds(15), seen.keepaliveTimeout());
        assertFalse(seen.reconnect());
        assertFalse(seen.hostwatch());
        assertFalse(seen.capturesDns());
        assertNull(seen.python());
        assertEquals(0, seen.verbose());
    }

    @Test
    void everyOption() throws Exception {
        Path excludes = Files.writeString(dir.resolve("ex"), "# mine\n192.168.0.0/16\n");
        Path includes = Files.writeString(dir.resolve("in"), "172.16.0.0/12\n");
        int code = run("-r", "[::1]:22", "-s", includes.toString(), "-X", excludes.toString(), "-x", "172.16.1.1",
                "-l", "0.0.0.0:0,[::]:0", "-e", "ssh -i 'my key'", "--python", "python3.11", "--method", "NFT",
                "--dns", "--ns-hosts", "1.1.1.1, 2001:4860::8888", "--to-ns", "[::1]:5353", "-N", "-H",
                "--seed-hosts", "a.example,b.example c.example", "--no-latency-control", "--latency-buffer-size", "65536",
                "-D", "--pidfile", "run/x.pid", "--user", "alice", "--group", "staff", "-t", "1F", "--wrap", "300",
                "--agent", "java", "--protocol", "2", "--keepalive", "500ms", "--keepalive-timeout", "2m",
                "--reconnect", "--transport", "builtin", "--syslog", "--no-sudo-pythonpath", "-vvv");
        // -D: in the test environment the daemon child marker is set, so the client runs here
        assertEquals(0, code, errLines().toString());
        assertEquals(List.of("172.16.0.0/12"), seen.includes().stream().map(Object::toString).toList());
        assertEquals(List.of("exclude 172.16.1.1/32", "exclude 192.168.0.0/16"),
                seen.excludes().stream().map(Object::toString).toList());
        assertEquals(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0), seen.listen().ipv4());
        assertEquals(new InetSocketAddress(InetAddress.getByName("::"), 0), seen.listen().ipv6());
        assertEquals(List.of("ssh", "-i", "my key"), seen.sshCmd());
        assertEquals("python3.11", seen.python());
        assertEquals(ClientOptions.Method.NFT, seen.method());
        assertTrue(seen.dns());
        assertEquals(List.of(InetAddress.getByName("1.1.1.1"), InetAddress.getByName("2001:4860::8888")), seen.nsHosts());
        assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 5353), seen.toNs());
        assertTrue(seen.autoNets() && seen.autoHosts() && seen.hostwatch());
        assertEquals(List.of("a.example", "b.example", "c.example"), seen.seedHosts());
        assertFalse(seen.latencyControl());
        assertEquals(65536, seen.latencyBufferSize());
        assertTrue(seen.daemon() && seen.syslog());
        assertEquals(dir.resolve("run/x.pid"), seen.pidfile());
        assertEquals("alice", seen.user());
        assertEquals("staff", seen.group());
        assertEquals("0x1f", seen.tmark());
        assertEquals(300, seen.maxChannel());
        assertEquals(ClientOptions.Agent.JAVA, seen.agent());
        assertEquals(ClientOptions.Protocol.V2, seen.protocol());
        assertEquals(Duration.ofMillis(500), seen.keepaliveInterval());
        assertEquals(Duration.ofMinutes(2), seen.keepaliveTimeout());
        assertTrue(seen.reconnect());
        assertEquals(ClientOptions.Transport.BUILTIN, seen.transport());
        assertEquals(3, seen.verbose());
    }

    {
        // every test runs as if it were the daemon child, so -D never re-executes the test JVM
        env.put(Daemonizer.PIDFILE_ENV, "/nonexistent/sshuttle-test.pid");
    }

    @Test
    void toNsDefaultsToPort53AndNoRemoteNeededForLocalTransport() throws Exception {
        assertEquals(0, run("--transport", "local", "--dns", "--to-ns", "8.8.8.8", "-N"));
        assertNull(seen.remote());
        assertEquals(new InetSocketAddress(InetAddress.getByName("8.8.8.8"), 53), seen.toNs());
    }

    @Test
    void toNsWithoutDnsWarns() {
        assertEquals(0, run("-r", "h", "-N", "--to-ns", "8.8.8.8"));
        assertEquals(1, errLines().size());
        assertTrue(errLines().get(0).startsWith("sshuttle: warning: --to-ns is ignored"), errLines().get(0));
    }

    @Test
    void longOptionsMayBeAbbreviatedAndTheLastValueWins() {
        assertEquals(0, run("-r", "h", "--auto-n", "--meth", "nat", "--method", "tproxy", "--no-lat"));
        assertTrue(seen.autoNets());
        assertEquals(ClientOptions.Method.TPROXY, seen.method());
        assertFalse(seen.latencyControl());
    }

    @Test
    void argsFileAndEnvironment() throws IOException {
        Path file = Files.writeString(dir.resolve("args"), "# tunnel\n--remote\n  me@host \n'10.0.0.0/8'\n--method=nat\n");
        env.put("SSHUTTLE_ARGS", "-v --method nft --dns");
        assertEquals(0, run("@" + file, "-x", "10.9.0.0/16"));
        assertEquals("me", seen.remote().user());
        assertEquals(1, seen.includes().size());
        assertEquals(ClientOptions.Method.NAT, seen.method(), "the command line comes after SSHUTTLE_ARGS");
        assertTrue(seen.dns());
        assertEquals(1, seen.verbose());
    }

    @Test
    void missingRemote() {
        assertUsageError(run("10.0.0.0/8"), "-r/--remote");
    }

    @Test
    void dashRemoteCountsAsMissing() {
        assertUsageError(run("-r", "-", "10.0.0.0/8"), "-r/--remote");
    }

    @Test
    void noSubnetsAndNoAutoNets() {
        assertUsageError(run("-r", "host"), "at least one subnet");
    }

    @Test
    void badSubnet() {
        assertUsageError(run("-r", "host", "10.0.0.0/40"), "10.0.0.0/40");
    }

    @Test
    void badRemotePort() {
        assertUsageError(run("-r", "host:99999", "0/0"), "99999");
    }

    @Test
    void unknownOption() {
        assertUsageError(run("-r", "host", "0/0", "--frobnicate"), "--frobnicate");
    }

    @Test
    void missingOptionValue() {
        assertUsageError(run("0/0", "-r"), "-r");
    }

    @Test
    void notANumber() {
        assertUsageError(run("-r", "h", "0/0", "--latency-buffer-size", "lots"), "lots");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--method=pf", "--method=iptables", "--tmark=xyz", "--agent=perl", "--protocol=3",
            "--keepalive=soon", "--transport=telnet", "-l=::1", "--ns-hosts=dns.google", "--latency-buffer-size=0",
            "--keepalive-timeout=1s", "-e=", "-e='unclosed", "-s=/nonexistent/subnets", "@/nonexistent/args",
            "--to-ns=53"})
    void badValuesAreUsageErrors(String arg) {
        int code = run("-r", "h", "0/0", arg);
        assertEquals(ExitCodes.USAGE, code, errLines().toString());
        assertEquals(2, errLines().size(), errLines().toString());
        assertNull(seen);
    }

    @Test
    void ipv6ListenWithIpv6Disabled() {
        assertUsageError(run("-r", "h", "0/0", "--disable-ipv6", "-l", "[::1]:0"), "--disable-ipv6");
    }

    @Test
    void version() {
        assertEquals(0, run("-V"));
        assertTrue(out().startsWith("sshuttle (Java) "), out());
        assertNull(seen);
    }

    @Test
    void help() {
        assertEquals(0, run("--help"));
        assertTrue(out().contains("--remote") && out().contains("--latency-buffer-size"), out());
        assertNull(seen);
    }

    @Test
    void serverModeGoesToTheAgentWithItsArguments() {
        assertEquals(98, run("-v", "--server"));
        assertArrayEquals(new String[] {"-v"}, agentArgs);
        assertNull(seen);
    }

    @Test
    void firewallModeGoesToTheHelperWithItsArguments() {
        assertEquals(0, run("-v", "--method", "nat", "--firewall"));
        assertArrayEquals(new String[] {"-v", "--method", "nat"}, firewallArgs);
        assertNull(seen);
    }

    @Test
    void aBusinessFailureIsOneLineWithItsCode() {
        client = options -> {
            throw new SshuttleException(RemoteExitExplainer.explain(97, false), ExitCodes.REMOTE_FATAL);
        };
        assertEquals(99, run("-r", "h", "0/0"));
        assertEquals(1, errLines().size(), errLines().toString());
        assertTrue(errLines().get(0).startsWith("sshuttle: the remote side ended with exit code 97"), errLines().get(0));
    }

    @Test
    void anUnexpectedFailureIsOneLineAndExitOne() {
        client = options -> {
            throw new IllegalStateException("socket went away\nsecond line");
        };
        assertEquals(1, run("-r", "h", "0/0"));
        assertEquals(List.of("sshuttle: socket went away"), errLines());
    }

    @Test
    void theStackTraceOnlyWithVeryVerbose() {
        client = options -> {
            throw new IllegalStateException("boom");
        };
        assertEquals(1, run("-r", "h", "0/0", "-vv"));
        assertTrue(errLines().size() > 1);
        assertTrue(errLines().stream().anyMatch(l -> l.contains("at dev.sshuttle")), errLines().toString());
    }

    @Test
    void theClientsExitCodeIsPassedOn() {
        client = options -> 5;
        assertEquals(5, run("-r", "h", "0/0"));
    }

    @Test
    void productionHasTheRealRunners() {
        Runners runners = Runners.production();
        assertEquals("TunnelClientRunner", runners.client().getClass().getSimpleName());
        assertEquals("JavaAgentRunner", runners.agent().getClass().getSimpleName());
        assertEquals("FirewallHelperRunner", runners.firewall().getClass().getSimpleName());
    }
}
