package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.gates.FirewallRules;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.testkit.Prerequisites;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * -H / --seed-hosts end to end. The client runs in a private mount namespace where a file of
 * the test's is bind-mounted over /etc/hosts, so the root helper edits that file and never the
 * machine's (checked byte for byte before and after). Names from the real agent appear in the
 * block and go on SIGTERM and on SIGKILL of the client; a hostile server's entries with shell or
 * newline characters, or addresses that are not literals, are refused with a log line each.
 */
@ExtendWith(TopologyExtension.class)
class AutoHostsTest {
    private static final Duration IO = Duration.ofSeconds(20);
    private static final String ORIGINAL = "127.0.0.1 localhost\n# the test's private hosts file\n";
    private byte[] machineHosts;

    @BeforeEach
    void prerequisites() throws Exception {
        Prerequisites.requireTools("unshare", "mount");
        machineHosts = Files.readAllBytes(Path.of("/etc/hosts"));
    }

    @AfterEach
    void theMachinesHostsFileIsUntouched() throws Exception {
        assertArrayEquals(machineHosts, Files.readAllBytes(Path.of("/etc/hosts")), "the machine's /etc/hosts changed");
    }

    /** The client's argv run with `hosts` bind-mounted over /etc/hosts in its own mount namespace (nothing runs if the mount fails). */
    private static BackgroundProcess withPrivateHosts(Topology t, Path hosts, String name, List<String> client) {
        List<String> argv = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount --bind \"$0\" /etc/hosts && exec \"$@\"", hosts.toString()));
        argv.addAll(client);
        return t.client().start(t.workDir().resolve(name + ".log"), argv.toArray(String[]::new));
    }

    private static List<String> realClient(Topology t, String... args) {
        List<String> argv = Tunnels.clientJvm();
        argv.addAll(List.of("-e", t.ssh().sshCommand(), "-r", t.ssh().destination()));
        argv.addAll(List.of(args));
        return argv;
    }

    private static Path hostsFile(Topology t, String name) throws Exception {
        return Files.writeString(t.workDir().resolve(name), ORIGINAL);
    }

    private static void awaitContains(Path hosts, String text) {
        Awaitility.await("'" + text + "' in the private hosts file").atMost(IO).pollInterval(Duration.ofMillis(100))
                .until(() -> Files.readString(hosts).contains(text));
    }

    @Test
    void seedNamesAppearAndGoOnSigterm(Topology t) throws Exception {
        Path hosts = hostsFile(t, "hosts-term");
        String target = t.targetIp().getHostAddress();
        try (BackgroundProcess client = withPrivateHosts(t, hosts, "hosts-term",
                realClient(t, "--seed-hosts", "target.sshj.test,echo.sshj.test", t.targetSubnet()))) {
            client.awaitLog("Connected to server", Tunnels.CONNECT_WITHIN);
            awaitContains(hosts, target + " target.sshj.test\n");
            String text = Files.readString(hosts);
            assertTrue(text.startsWith(ORIGINAL) && text.contains(target + " echo.sshj.test\n")
                    && text.contains(target + " target\n"), text);
            assertEquals(0, client.terminate(IO), client.tail());
            assertEquals(ORIGINAL, Files.readString(hosts), "restored exactly on SIGTERM");
            FirewallRules.assertNoneLeft(t.client(), "SIGTERM");
        }
    }

    @Test
    void namesGoWhenTheClientIsKilled(Topology t) throws Exception {
        Path hosts = hostsFile(t, "hosts-kill");
        try (BackgroundProcess client = withPrivateHosts(t, hosts, "hosts-kill",
                realClient(t, "-H", "--seed-hosts", "target.sshj.test", t.targetSubnet()))) {
            awaitContains(hosts, " target.sshj.test\n");
            client.kill();
            Awaitility.await("the helper restores the file after SIGKILL of the client").atMost(IO)
                    .until(() -> Files.readString(hosts).equals(ORIGINAL));
            FirewallRules.assertNoneLeft(t.client(), "SIGKILL");
        }
    }

    @Test
    void aHostileServersEntriesAreRefusedAndNeverWritten(Topology t) throws Exception {
        Path hosts = hostsFile(t, "hosts-hostile");
        String list = "good.name,10.78.1.9\n"
                + "evil;touch /tmp/sshj-pwned,10.0.0.1\n"
                + "evil\n10.0.0.9 injected,10.0.0.2\n"
                + "name.example,example.com\n"
                + "$(reboot),10.0.0.3\n"
                + "spaced name,10.0.0.4\n"
                + "loop.name,127.0.0.1\n"
                + "tab\tname,10.0.0.5\n";
        Path fake = Path.of(AutoHostsTest.class.getResource("/hostile/fake_ssh.py").toURI());
        List<String> argv = Tunnels.clientJvm();
        argv.addAll(List.of("-e", "python3 " + fake + " hosts " + HexFormat.of().formatHex(list.getBytes(StandardCharsets.UTF_8)),
                "-r", "root@" + t.gatewayIp().getHostAddress(), "-H", t.targetSubnet()));
        try (BackgroundProcess client = withPrivateHosts(t, hosts, "hosts-hostile", argv)) {
            awaitContains(hosts, "10.78.1.9 good.name\n");
            String text = Files.readString(hosts);
            for (String bad : List.of("evil", "injected", "example.com", "reboot", "spaced", "loop.name", "10.0.0.", "tab")) {
                assertFalse(text.contains(bad), bad + " must not be written:\n" + text);
            }
            long refusals = client.log().lines().filter(l -> l.contains("-H: refusing a host entry from the server")).count();
            assertEquals(8, refusals, client.tail());
            assertFalse(Files.exists(Path.of("/tmp/sshj-pwned")));
            assertEquals(0, client.terminate(IO), client.tail());
            assertEquals(ORIGINAL, Files.readString(hosts));
        }
    }
}
