package dev.sshuttle.client;

import dev.sshuttle.mux.MuxConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Everything a tunnel run needs, already parsed and checked (the CLI builds it).
 *
 * @param remoteCommandOverride replaces the agent launch command (tests; stock servers); null normally
 * @param reconnect            after a lost session, start a new one with backoff instead of exiting
 * @param builtinSsh           ssh inside the JVM (MINA SSHD) instead of the system ssh client
 * @param setupTimeout         the most a session's set-up may take ({@link SetupDeadline}), zero = no bound
 */
public record TunnelSettings(
        List<String> sshCmd,
        String user,
        String host,
        int port,
        AgentKind agent,
        String python,
        int protocol,
        List<InetSocketAddress> listen,
        MuxConfig mux,
        int verbosity,
        boolean autoNets,
        String toNs,
        String remoteCommandOverride,
        boolean reconnect,
        Duration reconnectMaxBackoff,
        boolean builtinSsh,
        Duration setupTimeout) {

    public enum AgentKind { PYTHON, JAVA, AUTO }

    public boolean latencyControl() {
        return mux.latencyControl();
    }
}
