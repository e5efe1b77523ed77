package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.gates.FirewallRules;
import dev.sshuttle.it.gates.ProcessGauge;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The real client (launcher JVM options, real firewall helper, in the client namespace) against
 * a scripted hostile server: {@code hostile/fake_ssh.py} is its ssh (-e), so the "agent" says
 * exactly what the test wants and reads what it wants. Each case: the client ends, or carries
 * on, as docs/protocol.md says, with bounded memory and no rule left.
 */
@ExtendWith(TopologyExtension.class)
class HostilePeerTest {
    private static final long RSS_LIMIT_KB = 256 * 1024;

    private static Path fakeSsh() {
        try {
            return Path.of(HostilePeerTest.class.getResource("/hostile/fake_ssh.py").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The client with the hostile ssh in the given mode, capturing the target subnet plus args. */
    private static BackgroundProcess hostile(Topology t, String name, String mode, String modeArg, String... args) {
        List<String> argv = Tunnels.clientJvm();
        argv.addAll(List.of("-e", "python3 " + fakeSsh() + " " + mode + (modeArg.isEmpty() ? "" : " " + modeArg),
                "-r", "root@" + t.gatewayIp().getHostAddress()));
        argv.addAll(Arrays.asList(args));
        return t.client().start(t.workDir().resolve(name + ".log"), argv.toArray(String[]::new));
    }

    /** Waits for the exit, sampling the peak RSS; returns {exit code, peak KiB, milliseconds}. */
    private static long[] awaitExitMeasuring(BackgroundProcess client, Duration within) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + within.toNanos();
        long peak = 0;
        while (client.isAlive() && System.nanoTime() < deadline) {
            peak = Math.max(peak, ProcessGauge.peakRssKb(client.pid()));
            Thread.sleep(50);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        int code = client.awaitExit(Duration.ofSeconds(1)); // fails with the log's tail if still running
        return new long[] {code, peak, ms};
    }

    @Test
    void aPingFloodEndsTheClientWithinTenSecondsWithBoundedMemory(Topology t) throws Exception {
        Path go = t.workDir().resolve("flood.go");
        try (BackgroundProcess client = hostile(t, "ping-flood", "ping-flood", go.toString(), t.targetSubnet())) {
            client.awaitLog("Connected to server", Tunnels.CONNECT_WITHIN);
            assertFalse(FirewallRules.sshuttleRules(t.client()).isEmpty(), "rules installed before the flood");
            Files.createFile(go);
            long[] r = awaitExitMeasuring(client, Duration.ofSeconds(10));
            String log = client.log();
            System.out.println("PING flood: exit " + r[0] + " after " + r[2] + " ms, peak RSS " + r[1] / 1024
                    + " MiB; client said: " + log.lines().filter(l -> l.contains("flood")).findFirst().orElse("?"));
            assertNotEquals(0, r[0], log);
            assertTrue(log.contains("PING flood"), "one clear line naming the attack:\n" + log);
            assertFalse(log.contains("\tat "), "no stack trace:\n" + log);
            assertTrue(r[1] < RSS_LIMIT_KB, "peak RSS " + r[1] / 1024 + " MiB (limit " + RSS_LIMIT_KB / 1024 + ")");
            FirewallRules.assertNoneLeft(t.client(), "a PING flood", Duration.ofSeconds(2));
        }
    }

    @Test
    void aServerThatStallsStillLetsSigtermEndTheClient(Topology t) throws Exception {
        try (BackgroundProcess client = hostile(t, "stall", "stall", "", t.targetSubnet())) {
            client.awaitLog("Connected to server", Tunnels.CONNECT_WITHIN);
            assertEquals(0, client.terminate(Duration.ofSeconds(10)), client.tail());
            FirewallRules.assertNoneLeft(t.client(), "SIGTERM against a stalled server", Duration.ofSeconds(2));
        }
    }

    @Test
    void aRemoteThatNeverAnswersEndsTheSetUpAtItsTimeout(Topology t) throws Exception {
        // no terminal here (a test, like a service): the first session is bounded too
        try (BackgroundProcess client = hostile(t, "mute", "mute", "", "--setup-timeout", "2s", t.targetSubnet())) {
            long[] r = awaitExitMeasuring(client, Duration.ofSeconds(15));
            String log = client.log();
            System.out.println("mute remote: exit " + r[0] + " after " + r[2] + " ms; client said: "
                    + log.lines().filter(l -> l.contains("setup-timeout")).findFirst().orElse("?"));
            assertEquals(255, r[0], "ends like an ssh that could not connect; log:\n" + log);
            assertTrue(log.contains("did not answer within 2 s (--setup-timeout)"), log);
            assertTrue(r[2] >= 1500, "not before its time: " + r[2] + " ms");
            assertFalse(log.contains("\tat "), "no stack trace:\n" + log);
            FirewallRules.assertNoneLeft(t.client(), "a set-up that timed out", Duration.ofSeconds(2));
        }
    }

    @Test
    void hostileAutoNetsRoutesAreRefusedWithAClearLine(Topology t) throws Exception {
        String gateway = t.gatewayIp().getHostAddress();
        String target = t.targetIp().getHostAddress();
        String routes = String.join(";", "2,0.0.0.0,0", "2,127.0.0.0,8", "2,169.254.0.0,16", "2,224.0.0.0,4",
                "2," + gateway + ",32", "2," + target + ",32", "2,localhost,8", "2,10.99.0.0,16");
        try (BackgroundProcess client = hostile(t, "routes", "routes", routes, "-N", "-v", "-x", t.targetSubnet())) {
            client.awaitLog("Connected to server", Tunnels.CONNECT_WITHIN);
            List<String> redirects = new ArrayList<>(FirewallRules.sshuttleRules(t.client()).stream()
                    .filter(r -> r.contains("REDIRECT") || r.contains("redirect")).toList());
            String log = client.log();
            System.out.println("hostile -N routes: redirect rules " + redirects + "; client said:\n"
                    + String.join("\n", log.lines().filter(l -> l.contains("-N")).toList()));
            assertEquals(1, redirects.size(), "only the harmless route is captured: " + redirects);
            assertTrue(redirects.getFirst().contains("10.99.0.0/16"), redirects.toString());
            for (String refused : List.of("2,0.0.0.0,0: /0", "2,127.0.0.0,8: overlaps loopback",
                    "2,169.254.0.0,16: overlaps link-local", "2,224.0.0.0,4: overlaps multicast",
                    "2," + gateway + ",32: is the ssh server's own address",
                    "2," + target + ",32: lies inside your exclude -x " + t.targetSubnet(),
                    "2,localhost,8: not an IP address literal")) {
                assertTrue(log.contains("refusing the server's route " + refused), "no refusal line for " + refused + ":\n" + log);
            }
            assertTrue(log.contains("-N: capturing the server's route 10.99.0.0/16"), log);
            assertEquals(0, client.terminate(Duration.ofSeconds(10)), client.tail());
            FirewallRules.assertNoneLeft(t.client(), "SIGTERM", Duration.ofSeconds(2));
        }
    }
}
