package dev.sshuttle.cli;

import java.util.ServiceLoader;

/**
 * The three programs in the jar. Each is found with {@link ServiceLoader}: to plug in an
 * implementation, add its class name to
 * {@code tunnel/src/main/resources/META-INF/services/dev.sshuttle.cli.ClientRunner}
 * (or {@code .AgentRunner}, {@code .FirewallRunner}); it needs a public no-argument
 * constructor. Until then a placeholder says "not built yet" and returns 1.
 */
public record Runners(ClientRunner client, AgentRunner agent, FirewallRunner firewall) {

    public static Runners discover() {
        return new Runners(
                load(ClientRunner.class, options -> notBuilt("client")),
                load(AgentRunner.class, args -> notBuilt("Java agent (--server)")),
                load(FirewallRunner.class, args -> notBuilt("firewall helper (--firewall)")));
    }

    private static <T> T load(Class<T> type, T placeholder) {
        return ServiceLoader.load(type, Runners.class.getClassLoader()).findFirst().orElse(placeholder);
    }

    private static int notBuilt(String what) {
        System.err.println("sshuttle: the " + what + " is not built yet");
        return ExitCodes.FAILURE;
    }
}
