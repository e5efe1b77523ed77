package dev.sshuttle.cli;

/**
 * The three programs in the jar: the tunnel client, the Java agent ({@code --server}) and the
 * firewall helper ({@code --firewall}). {@link Main} picks one by the command line; tests give
 * {@link Main} fakes through this record's constructor instead of {@link #production()}.
 */
public record Runners(ClientRunner client, AgentRunner agent, FirewallRunner firewall) {

    public static Runners production() {
        return new Runners(new TunnelClientRunner(), new JavaAgentRunner(), new FirewallHelperRunner());
    }
}
