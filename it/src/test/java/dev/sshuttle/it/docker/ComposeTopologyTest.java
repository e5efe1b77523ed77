package dev.sshuttle.it.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * The docker-compose topology comes up: toxiproxy answers its API with the ssh proxy, and the
 * gateway's sshd answers through it. (The client service needs the tunnel jar and is left out.)
 * Skipped without Docker.
 */
class ComposeTopologyTest {
    private static ComposeContainer compose;

    @BeforeAll
    static void up() {
        if (!DockerCheck.available()) return; // the test reports the skip and its reason
        compose = new ComposeContainer(new File("../docker-compose.yml"))
                .withServices("keys", "gateway", "target", "toxiproxy")
                .withExposedService("toxiproxy", 8474, Wait.forHttp("/version").withStartupTimeout(Duration.ofMinutes(3)))
                .withExposedService("toxiproxy", 2222);
        compose.start();
    }

    @AfterAll
    static void down() {
        if (compose != null) compose.stop();
    }

    @Test
    void sshdAnswersThroughToxiproxy() throws IOException {
        DockerCheck.requireDocker();
        ToxiproxyClient toxiproxy = new ToxiproxyClient(compose.getServiceHost("toxiproxy", 8474),
                compose.getServicePort("toxiproxy", 8474));
        Proxy ssh = toxiproxy.getProxy("ssh");
        assertTrue(ssh.isEnabled());
        try (Socket s = new Socket(compose.getServiceHost("toxiproxy", 2222), compose.getServicePort("toxiproxy", 2222))) {
            s.setSoTimeout(10_000);
            byte[] banner = s.getInputStream().readNBytes(8);
            assertEquals("SSH-2.0-", new String(banner, StandardCharsets.US_ASCII));
        }
    }
}
