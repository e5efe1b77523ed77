package dev.sshuttle.it.faults;

import dev.sshuttle.it.docker.DockerCheck;
import dev.sshuttle.it.docker.Images;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.testcontainers.containers.GenericContainer;

/**
 * The same toxic contract against the real Toxiproxy (ghcr.io/shopify/toxiproxy:2.5.0): proves
 * our fault proxy behaves like it. Runs where the daemon already holds that image ({@code docker
 * pull ghcr.io/shopify/toxiproxy:2.5.0}); without it the tests skip with that reason, under CI=true
 * too, since no registry can be reached there ({@link FaultProxyContainerTest} runs the contract
 * in a container all the same). A present image whose test fails fails the build.
 */
@Tag(DockerCheck.TAG)
@Tag(RealToxiproxyContainerTest.TAG)
class RealToxiproxyContainerTest extends ContainerToxicContract {
    /** Lets .ci/run leave this class out (-DexcludedGroups) when the daemon has no Toxiproxy image. */
    static final String TAG = "real-toxiproxy";

    private static GenericContainer<?> container;

    @BeforeAll
    static void start() {
        if (DockerCheck.available() && Images.present(Images.REAL_TOXIPROXY)) container = start(Images.REAL_TOXIPROXY);
    }

    /** Each test reports the skip and its reason. */
    @Override
    protected void assumeAvailable() {
        DockerCheck.requireDocker();
        Assumptions.assumeTrue(container != null, "the image " + Images.REAL_TOXIPROXY
                + " is not present (no pull is tried): run 'docker pull " + Images.REAL_TOXIPROXY + "' to compare against the"
                + " real Toxiproxy; FaultProxyContainerTest runs the same contract against our fault proxy's image");
    }

    @AfterAll
    static void stop() {
        if (container != null) container.stop();
    }

    @Override
    protected GenericContainer<?> container() {
        return container;
    }
}
