package dev.sshuttle.it.docker;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sshuttle.testkit.Prerequisites;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The repository's docker-compose.yml, as a user runs it ({@code up --build}), with every
 * process in a container: the client container (NET_ADMIN, our jar, real iptables) tunnels
 * through the fault proxy to the gateway's sshd and python3, and the target network is reachable
 * only behind the gateway. The applications run inside the client container too
 * ({@link ContainerProbe} via {@code docker exec}), so the client's own firewall rules capture
 * them. The fault proxy is the real Toxiproxy where its image is present, else our
 * Toxiproxy-compatible one (it/docker/faultproxy, no pull), both through TOXIPROXY_IMAGE.
 */
@Tag(DockerCheck.TAG)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ComposeTopologyTest {
    private static final String TARGET = "10.78.0.2";
    private static final String[] PROBE = {"java", "-cp", "/it/classes:/it/lib/*", ContainerProbe.class.getName()};
    private static final Duration PROBE_TIMEOUT = Duration.ofMinutes(2);

    private static Compose compose;

    @BeforeAll
    static void up() {
        if (!DockerCheck.available() || Compose.cli() == null) return; // each test reports the skip and its reason
        Path repo = Images.itDir().getParent();
        for (String built : new String[] {"tunnel/target/sshuttle.jar", "it/target/classes", "it/target/docker-lib"}) {
            if (!Files.exists(repo.resolve(built))) fail(repo.resolve(built) + " is missing: ./mvnw -B -ntp package -DskipTests first");
        }
        String toxiproxy = Images.present(Images.REAL_TOXIPROXY) ? Images.REAL_TOXIPROXY : Images.faultProxy();
        compose = Compose.forThisJvm(Map.of("TOXIPROXY_IMAGE", toxiproxy));
        long t0 = System.nanoTime();
        compose.run(Duration.ofMinutes(15), "up", "-d", "--build").orThrow();
        String connected = clientLogUntil(log -> log.contains("Connected to server."), Duration.ofSeconds(120));
        if (!connected.contains("Connected to server."))
            fail("the client container did not connect within 120 s; its log:\n" + connected);
        System.out.printf("compose project %s up (build and start) in %d ms, fault proxy %s%n", compose.project(),
                (System.nanoTime() - t0) / 1_000_000, toxiproxy);
    }

    /** Skips (under CI=true: fails) without a Docker daemon or a compose CLI. */
    @BeforeEach
    void requireCompose() {
        DockerCheck.requireDocker();
        Prerequisites.require(Compose.cli() == null
                ? List.of("no compose CLI ('docker compose' or 'docker-compose') on the PATH") : List.of());
    }

    @AfterAll
    static void down() {
        if (compose == null) return;
        System.out.println("client container log (last lines):\n" + tail(compose.logs("client"), 30));
        Compose.Result r = compose.down();
        if (!r.ok()) System.out.println("compose down failed: " + r.output());
    }

    @Test
    @Order(1)
    void composeFileValidates() {
        compose.run(Duration.ofSeconds(60), "config", "-q").orThrow();
    }

    @Test
    @Order(2)
    void echoHttpAndA64MiBTransferEachWayThroughTheTunnel() {
        probe("echo", TARGET + ":7");
        probe("http", "http://" + TARGET + "/");
        probe("download", TARGET + ":19", Long.toString(64L << 20));
        probe("upload", TARGET + ":9", Long.toString(64L << 20));
    }

    @Test
    @Order(3)
    void aRefusedPortIsSeenAsAReset() {
        probe("refused", TARGET + ":1");
    }

    @Test
    @Order(4)
    void noFdLeakAfter2000MixedConnections() {
        // PID 1 of the client container is the sshuttle client JVM (compose runs java in exec form)
        probe("mixed", "2000", "16", TARGET + ":7", TARGET + ":9", TARGET + ":6", TARGET + ":1", "1");
    }

    @Test
    @Order(5)
    void latencyThenResetPeerAndTheClientReconnects() throws IOException {
        ToxiproxyClient api = new ToxiproxyClient("localhost", compose.port("toxiproxy", 8474));
        Proxy ssh = api.getProxy("ssh");
        ssh.toxics().latency("lag", ToxicDirection.DOWNSTREAM, 150);
        String slow = probe("rtt", TARGET + ":7", "5");
        ssh.toxics().get("lag").remove();
        long minMs = group(slow, "min (\\d+)");
        assertTrue(minMs >= 150, "150 ms of latency on the ssh connection, yet round trips of " + slow);

        int lostBefore = count(compose.logs("client"), "session lost");
        int reconnectedBefore = count(compose.logs("client"), "Reconnected to server.");
        ssh.toxics().resetPeer("cut", ToxicDirection.UPSTREAM, 0);
        compose.exec("client", PROBE_TIMEOUT, command("echo", TARGET + ":7")); // the data that meets the reset; may fail
        String lost = clientLogUntil(log -> count(log, "session lost") > lostBefore, Duration.ofSeconds(20));
        ssh.toxics().get("cut").remove();
        if (count(lost, "session lost") <= lostBefore)
            fail("reset_peer on the ssh connection, but the client never said 'session lost':\n" + tail(lost, 30));
        String back = clientLogUntil(log -> count(log, "Reconnected to server.") > reconnectedBefore, Duration.ofSeconds(60));
        if (count(back, "Reconnected to server.") <= reconnectedBefore)
            fail("the client did not reconnect within 60 s of the proxy healing:\n" + tail(back, 30));
        probe("echo", TARGET + ":7");
        System.out.println("fault: " + slow + " with 150 ms latency; after reset_peer: " + lastLine(back, "session lost")
                + " / " + lastLine(back, "Reconnected to server."));
    }

    /** The client container's log once it satisfies ok, or as it was when `within` ran out (read every second). */
    private static String clientLogUntil(java.util.function.Predicate<String> ok, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            String log = compose.logs("client");
            if (ok.test(log) || System.nanoTime() > deadline) return log;
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return log;
            }
        }
    }

    private static String[] command(String... args) {
        List<String> argv = new ArrayList<>(List.of(PROBE));
        argv.addAll(List.of(args));
        return argv.toArray(String[]::new);
    }

    /** Runs one ContainerProbe check inside the client container; fails with its line and the client's log. */
    private static String probe(String... args) {
        long t0 = System.nanoTime();
        Compose.Result r = compose.exec("client", PROBE_TIMEOUT, command(args));
        String line = lastLine(r.output(), r.ok() ? "ok " : "FAIL");
        if (!r.ok()) fail("in the client container: " + (line.isEmpty() ? r.output() : line) + "\nclient log:\n" + tail(compose.logs("client"), 30));
        System.out.printf("client container: %s (%d ms)%n", line, (System.nanoTime() - t0) / 1_000_000);
        return line;
    }

    private static long group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) fail("no '" + regex + "' in: " + text);
        return Long.parseLong(m.group(1));
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
        return n;
    }

    private static String lastLine(String text, String containing) {
        List<String> lines = text.lines().filter(l -> l.contains(containing)).toList();
        return lines.isEmpty() ? "" : lines.getLast().strip();
    }

    private static String tail(String text, int n) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }
}
