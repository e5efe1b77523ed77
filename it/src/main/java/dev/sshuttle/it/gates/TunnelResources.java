package dev.sshuttle.it.gates;

import java.time.Duration;

/**
 * The fd and RSS gates of a tunnel's two processes (the client JVM and the remote agent):
 * baselines after the warm-up, then checks that fds come back within a small constant and RSS
 * grows at most so much.
 */
public final class TunnelResources {
    /** What the gates allow. */
    public record Limits(int fdTolerance, long clientRssGrowthKb, long agentRssGrowthKb, Duration settle) {}

    private final LeakGate.Baseline client;
    private final LeakGate.Baseline agent;
    private final Limits limits;

    private TunnelResources(LeakGate.Baseline client, LeakGate.Baseline agent, Limits limits) {
        this.client = client;
        this.agent = agent;
        this.limits = limits;
    }

    /** Baselines of both processes now; `agentName` names the agent in messages ("the python agent"). */
    public static TunnelResources baseline(long clientPid, long agentPid, String agentName, Limits limits) {
        return new TunnelResources(LeakGate.baseline(clientPid, "the client"), LeakGate.baseline(agentPid, agentName), limits);
    }

    /** Runs the four gates (fds and RSS of client and agent) into verdicts; `after` names the load. */
    public void check(GateVerdicts verdicts, String after) {
        verdicts.check("client fds", () -> LeakGate.assertFdsReturn(client, limits.fdTolerance(), limits.settle(), after))
                .check("agent fds", () -> LeakGate.assertFdsReturn(agent, limits.fdTolerance(), limits.settle(), after))
                .check("client RSS", () -> LeakGate.assertRssReturns(client, limits.clientRssGrowthKb(), limits.settle(), after))
                .check("agent RSS", () -> LeakGate.assertRssReturns(agent, limits.agentRssGrowthKb(), limits.settle(), after));
    }

    /** One sample of both processes now (for the soak's time series). */
    public Sample sample(Duration sinceStart) {
        return new Sample(sinceStart.toMillis() / 1000.0, ProcessGauge.fdCount(client.pid()), ProcessGauge.rssKb(client.pid()),
                ProcessGauge.fdCount(agent.pid()), ProcessGauge.rssKb(agent.pid()));
    }

    /** fd counts and RSS of client and agent at one moment. */
    public record Sample(double seconds, int clientFds, long clientRssKb, int agentFds, long agentRssKb) {}

    /** "client fds 45 -> 47, RSS 118 -> 131 MiB; agent fds 9 -> 9, RSS 11.2 -> 11.9 MiB" (now measured). */
    public String summary() {
        Sample now = sample(Duration.ZERO);
        return String.format("client fds %d -> %d, RSS %.1f -> %.1f MiB; agent fds %d -> %d, RSS %.1f -> %.1f MiB",
                client.fds(), now.clientFds(), mib(client.rssKb()), mib(now.clientRssKb()),
                agent.fds(), now.agentFds(), mib(agent.rssKb()), mib(now.agentRssKb()));
    }

    public LeakGate.Baseline client() {
        return client;
    }

    public LeakGate.Baseline agent() {
        return agent;
    }

    private static double mib(long kb) {
        return kb / 1024.0;
    }
}
