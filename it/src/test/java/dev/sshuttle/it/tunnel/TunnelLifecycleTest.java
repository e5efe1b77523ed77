package dev.sshuttle.it.tunnel;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.gates.FirewallRules;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** How the client starts and ends: signals, SIGKILL, two instances, 0/0, a remote without python. */
@ExtendWith(TopologyExtension.class)
class TunnelLifecycleTest {
    private static final Duration RULES_GONE_WITHIN = Duration.ofSeconds(2);

    private static void assertEchoWorks(Topology t, InetSocketAddress echo) throws IOException {
        try (Socket s = t.client().connect(echo, Duration.ofSeconds(10))) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertEquals("ping", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    private static List<String> rules(Topology t) {
        return FirewallRules.sshuttleRules(t.client());
    }

    @Test
    void sigkillLeavesNoRuleBehind(Topology t) throws Exception {
        try (BackgroundProcess client = Tunnels.connected(t, "sigkill", t.targetSubnet())) {
            assertEchoWorks(t, t.echo());
            assertFalse(rules(t).isEmpty(), "rules installed");
            client.kill();
            await("rules removed after SIGKILL").atMost(RULES_GONE_WITHIN).until(() -> rules(t).isEmpty());
        }
    }

    @Test
    void sigtermEndsCleanlyWithExitZero(Topology t) throws Exception {
        try (BackgroundProcess client = Tunnels.connected(t, "sigterm", t.targetSubnet())) {
            assertEchoWorks(t, t.echo());
            assertEquals(0, client.terminate(Duration.ofSeconds(10)), client.tail());
            await("rules removed after SIGTERM").atMost(RULES_GONE_WITHIN).until(() -> rules(t).isEmpty());
        }
    }

    @Test
    void sigintEndsCleanlyWithExitZero(Topology t) throws Exception {
        try (BackgroundProcess client = Tunnels.connected(t, "sigint", t.targetSubnet())) {
            assertEchoWorks(t, t.echo());
            new ProcessBuilder("kill", "-INT", Long.toString(client.pid())).start().waitFor();
            assertEquals(0, client.awaitExit(Duration.ofSeconds(10)), client.tail());
            await("rules removed after SIGINT").atMost(RULES_GONE_WITHIN).until(() -> rules(t).isEmpty());
        }
    }

    @Test
    void twoInstancesOnDifferentPortsCoexist(Topology t) throws Exception {
        try (BackgroundProcess first = Tunnels.connected(t, "first", t.targetIp().getHostAddress() + "/32:7");
             BackgroundProcess second = Tunnels.connected(t, "second", t.targetIp().getHostAddress() + "/32:80")) {
            assertEchoWorks(t, t.echo()); // through the first
            List<String> both = rules(t);
            assertTrue(both.stream().anyMatch(r -> r.contains("12300")) && both.stream().anyMatch(r -> r.contains("12299")),
                    "each instance has its own chain: " + both);
            second.kill();
            await("the second instance's rules go, the first's stay").atMost(RULES_GONE_WITHIN)
                    .until(() -> rules(t).stream().noneMatch(r -> r.contains("12299")));
            assertTrue(rules(t).stream().anyMatch(r -> r.contains("12300")), "first instance's rules must stay");
            assertEchoWorks(t, t.echo());
            assertEquals(0, first.terminate(Duration.ofSeconds(10)), first.tail());
        }
        await().atMost(RULES_GONE_WITHIN).until(() -> rules(t).isEmpty());
    }

    @Test
    void capturingEverythingWithTheSshServerInsideStillWorks(Topology t) throws Exception {
        try (BackgroundProcess client = Tunnels.connected(t, "zero", "0/0")) {
            assertEchoWorks(t, t.echo());
            assertEchoWorks(t, t.echo());
            assertTrue(client.isAlive(), "the tunnel must survive capturing its own ssh server's address");
            assertEquals(0, client.terminate(Duration.ofSeconds(10)), client.tail());
        }
    }

    @Test
    void aRemoteWithoutPythonGetsAClearMessageAndNoHang(Topology t) {
        try (BackgroundProcess client = Tunnels.start(t, "nopython", "--python", "/nonexistent/python3", t.targetSubnet())) {
            int code = client.awaitExit(Duration.ofSeconds(30));
            assertNotEquals(0, code, client.tail());
            String log = client.log();
            System.out.println("no-python run: exit " + code + ", client said:\n" + log.strip());
            assertTrue(log.contains("python"), "the message must name the problem:\n" + log);
            assertFalse(log.contains("\tat "), "no stack trace for the user:\n" + log);
            assertTrue(rules(t).isEmpty(), "no rules after a failed start");
        }
    }
}
