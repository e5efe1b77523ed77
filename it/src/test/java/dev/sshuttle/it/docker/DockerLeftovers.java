package dev.sshuttle.it.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import java.util.List;
import java.util.Map;
import org.testcontainers.DockerClientFactory;

/**
 * Our own cleanup in place of Testcontainers' Ryuk (which needs its image pulled): every
 * container a test starts carries {@value #OWNER_LABEL}=PID of the test JVM, and every compose
 * project is named {@code sshjit<PID>}; containers whose test JVM is gone are removed (compose
 * projects with {@code down -v}, so their networks and volumes go too). A live JVM's containers
 * are never touched.
 */
public final class DockerLeftovers {
    public static final String OWNER_LABEL = "dev.sshuttle.it.owner";
    public static final String PROJECT_PREFIX = "sshjit";
    private static final String COMPOSE_PROJECT_LABEL = "com.docker.compose.project";

    private DockerLeftovers() {}

    /** The label value, and the compose project name, of this JVM. */
    public static String owner() {
        return Long.toString(ProcessHandle.current().pid());
    }

    static void reap() {
        DockerClient docker = DockerClientFactory.instance().client();
        List<Container> all = docker.listContainersCmd().withShowAll(true).exec();
        for (Container c : all) {
            Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
            String owner = labels.get(OWNER_LABEL);
            if (owner != null && !alive(owner)) {
                System.out.println("docker leftovers: removing container " + c.getId().substring(0, 12) + " of dead test JVM " + owner);
                docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
            }
        }
        all.stream()
                .map(c -> c.getLabels() == null ? null : c.getLabels().get(COMPOSE_PROJECT_LABEL))
                .filter(p -> p != null && p.startsWith(PROJECT_PREFIX) && !alive(p.substring(PROJECT_PREFIX.length())))
                .distinct()
                .forEach(p -> {
                    System.out.println("docker leftovers: compose project " + p + " of a dead test JVM: down -v");
                    Compose.leftover(p).down();
                });
    }

    private static boolean alive(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid)).isPresent();
        } catch (NumberFormatException e) {
            return true; // not ours to judge
        }
    }
}
