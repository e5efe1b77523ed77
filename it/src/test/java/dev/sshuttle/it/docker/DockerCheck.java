package dev.sshuttle.it.docker;

import dev.sshuttle.testkit.Prerequisites;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.testcontainers.DockerClientFactory;

/**
 * Docker is optional for a developer: without a daemon (none at /var/run/docker.sock or
 * DOCKER_HOST) the container tests skip with the reason. Under CI=true they FAIL instead: CI
 * starts its own daemon in a network namespace of its own ({@code .ci/run docker}) and runs these
 * tests (tag {@value #TAG}) there. The first time a daemon answers, {@link DockerLeftovers}
 * removes what killed runs left (Testcontainers' Ryuk is off: it would need an image pull).
 */
public final class DockerCheck {
    /** The JUnit tag of every test that needs a Docker daemon (surefire: -Dgroups / -DexcludedGroups). */
    public static final String TAG = "docker";

    private static final AtomicBoolean REAPED = new AtomicBoolean();

    private DockerCheck() {}

    public static boolean available() {
        try {
            boolean up = DockerClientFactory.instance().isDockerAvailable();
            if (up && REAPED.compareAndSet(false, true)) DockerLeftovers.reap();
            return up;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Skips the test with the reason unless Docker runs (under CI=true: fails). */
    public static void requireDocker() {
        if (available()) return;
        Prerequisites.require(List.of("no Docker daemon at /var/run/docker.sock or DOCKER_HOST"
                + (System.getenv("DOCKER_HOST") == null ? "" : " (" + System.getenv("DOCKER_HOST") + ")")
                + ": the container tests need one (.ci/run docker starts one); the in-JVM fault proxy and the"
                + " namespace topology cover the same ground without it"));
    }
}
