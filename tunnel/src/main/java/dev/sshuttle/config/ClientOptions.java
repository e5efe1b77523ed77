package dev.sshuttle.config;

import dev.sshuttle.net.SubnetRule;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything the client command line says, parsed and checked. Immutable. Built by the CLI
 * ({@code dev.sshuttle.cli.ClientCommand}); read by the client.
 *
 * @param remote             the ssh target ({@code -r}); null only with {@code --transport local}
 * @param includes           captured subnets (arguments and {@code -s} files), in order
 * @param excludes           excluded subnets ({@code -x}, {@code -X}), all with exclude=true
 * @param listen             transparent listener addresses ({@code -l}, or the defaults)
 * @param sshCmd             {@code -e/--ssh-cmd}, shlex-split; default {@code [ssh]}
 * @param python             {@code --python}: remote interpreter, or null to try python3 then python
 * @param method             firewall method ({@code --method})
 * @param dns                {@code --dns}: capture DNS to the local resolv.conf servers
 * @param nsHosts            {@code --ns-hosts}: capture DNS to these servers
 * @param toNs               {@code --to-ns}: remote DNS server to ask instead (port 53 unless given), or null
 * @param autoNets           {@code -N}
 * @param autoHosts          {@code -H}
 * @param seedHosts          {@code --seed-hosts} (names; empty if none)
 * @param latencyControl     false with {@code --no-latency-control}
 * @param latencyBufferSize  {@code --latency-buffer-size} in bytes (0001 latency control)
 * @param daemon             {@code -D/--daemon}
 * @param pidfile            {@code --pidfile}, absolute (default ./sshuttle.pid)
 * @param syslog             {@code --syslog} (implied by -D unless {@code --logfile} is given)
 * @param logfile            {@code --logfile}: where a daemon writes its log, or null for syslog
 * @param user               {@code --user}: capture only this user's traffic (nat), or null
 * @param group              {@code --group}: capture only this group's traffic (nat), or null
 * @param verbose            number of {@code -v}
 * @param disableIpv6        {@code --disable-ipv6}
 * @param tmark              {@code -t/--tmark}, normalised like sshuttle ("0x1" lower case)
 * @param maxChannel         {@code --wrap}: channel numbers wrap after this; 0 = protocol maximum
 * @param agent              {@code --agent}: which remote agent to start
 * @param remoteJava         {@code --remote-java}: the JDK 25 java on the remote for --agent java, or null to search
 * @param protocol           {@code --protocol}: mux protocol to ask for
 * @param keepaliveInterval  {@code --keepalive}: ping after this long without input (ZERO = off)
 * @param keepaliveTimeout   {@code --keepalive-timeout}: session dead after this long without input (ZERO = off)
 * @param reconnect          {@code --reconnect}: start a new session when an established one dies
 * @param setupTimeout       {@code --setup-timeout}: the most a session's set-up (ssh to the agent's ROUTES) may take, 0 = no bound
 * @param transport          {@code --transport}: how the byte stream to the agent is obtained
 * @param channels           {@code --channels}: ssh channels to stripe the mux over, 1 (the default: one
 *                           channel, as always), 2..16, or 0 for a count from the measured round trip
 * @param udpIdle            {@code --udp-timeout}: a tproxy UDP flow idle this long is closed
 * @param maxUdpFlows        {@code --udp-flows}: tproxy UDP flows open at once, at most
 * @param metrics            {@code --metrics}: where to serve Prometheus text, or null
 */
public record ClientOptions(
        RemoteTarget remote,
        List<SubnetRule> includes,
        List<SubnetRule> excludes,
        ListenAddresses listen,
        List<String> sshCmd,
        String python,
        Method method,
        boolean dns,
        List<InetAddress> nsHosts,
        InetSocketAddress toNs,
        boolean autoNets,
        boolean autoHosts,
        List<String> seedHosts,
        boolean latencyControl,
        int latencyBufferSize,
        boolean daemon,
        Path pidfile,
        boolean syslog,
        Path logfile,
        String user,
        String group,
        int verbose,
        boolean disableIpv6,
        String tmark,
        int maxChannel,
        Agent agent,
        Protocol protocol,
        Duration keepaliveInterval,
        Duration keepaliveTimeout,
        boolean reconnect,
        Duration setupTimeout,
        Transport transport,
        String remoteJava,
        int channels,
        Duration udpIdle,
        int maxUdpFlows,
        InetSocketAddress metrics) {

    public static final int DEFAULT_LATENCY_BUFFER_SIZE = 32768;
    public static final Duration DEFAULT_KEEPALIVE_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_KEEPALIVE_TIMEOUT = Duration.ofSeconds(15);

    /** Firewall backend; {@code AUTO} lets the firewall helper choose. */
    public enum Method { AUTO, NAT, NFT, TPROXY }

    /** Which agent the client starts on the remote. */
    public enum Agent {
        /** the Python agent (needs python3 or python there) */
        PYTHON,
        /** the Java agent ({@code java -jar sshuttle.jar --server}; needs a JDK there) */
        JAVA,
        /** Java where the remote has a JDK 25, else Python */
        AUTO,
        /** no agent: one ssh direct-tcpip channel per connection (needs --transport builtin) */
        NONE
    }

    /** Mux protocol to ask the agent for; {@code AUTO} asks for 0002 and accepts 0001. */
    public enum Protocol { AUTO, V1, V2 }

    /** How the byte stream to the agent is obtained. */
    public enum Transport {
        /** the system's ssh client (honours ~/.ssh/config, ssh-agent, ProxyJump) */
        SSH,
        /** the built-in MINA SSHD client */
        BUILTIN,
        /** run the agent locally through a pipe, no ssh (tests; sshuttle's "local mode") */
        LOCAL
    }

    public ClientOptions {
        includes = List.copyOf(includes);
        excludes = List.copyOf(excludes);
        sshCmd = List.copyOf(sshCmd);
        nsHosts = List.copyOf(nsHosts);
        seedHosts = List.copyOf(seedHosts);
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(pidfile, "pidfile");
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(keepaliveInterval, "keepaliveInterval");
        Objects.requireNonNull(keepaliveTimeout, "keepaliveTimeout");
        Objects.requireNonNull(transport, "transport");
        if (sshCmd.isEmpty()) throw new IllegalArgumentException("sshCmd is empty");
        if (remote == null && transport != Transport.LOCAL) throw new IllegalArgumentException("remote is required");
        if (latencyBufferSize < 1) throw new IllegalArgumentException("latencyBufferSize " + latencyBufferSize);
        if (verbose < 0) throw new IllegalArgumentException("verbose " + verbose);
        if (channels < 0 || channels > 16) throw new IllegalArgumentException("channels " + channels);
    }

    /** sshuttle runs hostwatch when {@code -H} or {@code --seed-hosts} is given. */
    public boolean hostwatch() {
        return autoHosts || !seedHosts.isEmpty();
    }

    /** Whether DNS is captured at all ({@code --dns} or {@code --ns-hosts}). */
    public boolean capturesDns() {
        return dns || !nsHosts.isEmpty();
    }
}
