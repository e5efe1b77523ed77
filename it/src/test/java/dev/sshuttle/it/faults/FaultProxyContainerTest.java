package dev.sshuttle.it.faults;

import dev.sshuttle.it.docker.DockerCheck;
import dev.sshuttle.it.docker.Images;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.testcontainers.containers.GenericContainer;

/**
 * The toxic contract against our fault proxy packaged as an image (it/docker/faultproxy, built
 * from the it module, no pull): the same proxy the docker-compose topology runs in place of
 * Toxiproxy where Toxiproxy's image cannot be had, here in a container behind Docker's port
 * mapping and bridge, as Toxiproxy would be.
 */
@Tag(DockerCheck.TAG)
class FaultProxyContainerTest extends ContainerToxicContract {
    private static GenericContainer<?> container;

    @BeforeAll
    static void start() {
        if (DockerCheck.available()) container = start(Images.faultProxy());
    }

    /** Each test reports the skip and its reason (under CI=true: fails). */
    @Override
    protected void assumeAvailable() {
        DockerCheck.requireDocker();
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
