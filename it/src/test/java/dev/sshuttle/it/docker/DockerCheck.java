package dev.sshuttle.it.docker;

import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;

/**
 * Docker is optional: where it runs, the container tests use the real Toxiproxy and the
 * docker-compose topology; where it does not (this project's CI machine has no Docker), they are
 * skipped with the reason, also under CI=true, because the namespace tests cover the same ground.
 */
public final class DockerCheck {
    private DockerCheck() {}

    public static boolean available() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Skips the test with the reason unless Docker runs. */
    public static void requireDocker() {
        Assumptions.assumeTrue(available(), "Docker is not available (no daemon at /var/run/docker.sock or DOCKER_HOST):"
                + " container tests skipped; the in-JVM fault proxy and the namespace topology cover this ground");
    }
}
