package dev.sshuttle.cli;

import java.util.ServiceLoader;

/**
 * The three programs in the jar. Each is found with {@link ServiceLoader} from
 * {@code tunnel/src/main/resources/META-INF/services/dev.sshuttle.cli.ClientRunner}
 * (and {@code .AgentRunner}, {@code .FirewallRunner}), so the CLI does not depend on the
 * client, agent and firewall packages at compile time. A missing entry is a packaging bug,
 * reported by name rather than as a NullPointerException later.
 */
public record Runners(ClientRunner client, AgentRunner agent, FirewallRunner firewall) {

    public static Runners discover() {
        return new Runners(load(ClientRunner.class), load(AgentRunner.class), load(FirewallRunner.class));
    }

    private static <T> T load(Class<T> type) {
        return ServiceLoader.load(type, Runners.class.getClassLoader())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "this sshuttle jar is incomplete: no " + type.getSimpleName() + " in META-INF/services"));
    }
}
