package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.gates.FirewallRules;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * --namespace / --namespace-pid: the client is started in the test's own namespace and must run
 * its tunnel inside the client namespace (rules there, traffic from there captured); SIGTERM
 * of the process we started ends it cleanly, and SIGKILL of it ends the tunnel too.
 */
@ExtendWith(TopologyExtension.class)
class NamespaceOptionTest {
    private static final Duration IO = Duration.ofSeconds(20);

    private static Process startOutside(Topology t, Path log, String... nsArgs) throws Exception {
        List<String> argv = Tunnels.clientJvm();
        argv.addAll(List.of(nsArgs));
        argv.addAll(List.of("-e", t.ssh().sshCommand(), "-r", t.ssh().destination(), t.targetSubnet()));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        Awaitility.await("Connected to server").atMost(Tunnels.CONNECT_WITHIN)
                .until(() -> !p.isAlive() || Files.readString(log).contains("Connected to server"));
        assertTrue(p.isAlive(), "the client ended:\n" + Files.readString(log));
        return p;
    }

    @Test
    void namespaceRunsTheTunnelThereAndSigtermEndsIt(Topology t) throws Exception {
        Path log = t.workDir().resolve("namespace.log");
        Process client = startOutside(t, log, "--namespace", t.client().name());
        try {
            assertFalse(FirewallRules.sshuttleRules(t.client()).isEmpty(), "the rules are in the client namespace");
            TunnelTransfers.echoWithHalfClose(t, "through --namespace", IO);
            client.destroy();
            assertTrue(client.waitFor(IO.toSeconds(), TimeUnit.SECONDS), Files.readString(log));
            assertEquals(0, client.exitValue(), Files.readString(log));
            FirewallRules.assertNoneLeft(t.client(), "SIGTERM of the --namespace parent");
        } finally {
            client.destroyForcibly();
        }
    }

    @Test
    void namespacePidEntersThatProcesssNamespaceAndSigkillEndsTheTunnel(Topology t) throws Exception {
        try (BackgroundProcess resident = t.client().start(t.workDir().resolve("sleep.log"), "sleep", "120")) {
            Path log = t.workDir().resolve("namespace-pid.log");
            Process client = startOutside(t, log, "--namespace-pid", Long.toString(resident.pid()));
            try {
                TunnelTransfers.echoWithHalfClose(t, "through --namespace-pid", IO);
                List<Long> before = t.client().pids();
                client.destroyForcibly(); // SIGKILL: only the child inside can clean up
                client.waitFor(IO.toSeconds(), TimeUnit.SECONDS);
                FirewallRules.assertNoneLeft(t.client(), "SIGKILL of the --namespace-pid parent", IO);
                Awaitility.await("the tunnel inside ends").atMost(IO)
                        .until(() -> t.client().pids().stream().filter(before::contains).count() <= 1); // the sleep stays
            } finally {
                client.destroyForcibly();
            }
        }
    }
}
