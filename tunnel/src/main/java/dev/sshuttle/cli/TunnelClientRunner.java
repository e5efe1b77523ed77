package dev.sshuttle.cli;

import dev.sshuttle.exit.ExitCodes;

import dev.sshuttle.client.DirectTcpipTunnel;
import dev.sshuttle.client.DnsListener;
import dev.sshuttle.client.HelperFirewall;
import dev.sshuttle.client.OwnerLookup;
import dev.sshuttle.client.SdNotify;
import dev.sshuttle.client.MetricsServer;
import dev.sshuttle.client.StatusDirectory;
import dev.sshuttle.client.StatusServer;
import dev.sshuttle.client.TerminationSignals;
import dev.sshuttle.client.TunnelClient;
import dev.sshuttle.client.TunnelSettings;
import dev.sshuttle.config.ClientOptions;
import dev.sshuttle.net.SubnetRule;
import dev.sshuttle.net.Family;
import dev.sshuttle.firewall.Owner;
import dev.sshuttle.mux.Frame;
import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.startup.SelfLaunch;
import dev.sshuttle.startup.StartTimeline;
import dev.sshuttle.sys.OriginalDestination;
import dev.sshuttle.transport.AgentBootstrap;
import dev.sshuttle.transport.AgentJar;
import dev.sshuttle.transport.AgentLaunch;
import dev.sshuttle.stripe.StripeClient;
import dev.sshuttle.mux.AgentOptions;
import dev.sshuttle.transport.BuiltinSsh;
import dev.sshuttle.transport.JavaAgentUpload;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The client program: turns the parsed command line into a tunnel run. */
public final class TunnelClientRunner implements ClientRunner {
    @Override
    public int run(ClientOptions o) throws Exception {
        refuseUnsupported(o);
        // usage errors above stay on the terminal; from here on (ssh's messages too) it is syslog.
        // A daemon does this itself once detached (DaemonChild)
        if (o.syslog() && !o.daemon()) SyslogOutput.redirect();
        TunnelClient.Log log = new TunnelClient.Log() {
            public void log(int level, String message) {
                if (level <= o.verbose()) System.err.println(level == 0 && !message.startsWith("sshuttle") ? "sshuttle: " + message : message);
            }

            public boolean shows(int level) {
                return level <= o.verbose();
            }
        };
        TunnelSettings settings = settings(o);
        Owner owner = owner(o);
        SdNotify notify = SdNotify.fromEnvironment(System.getenv(), m -> log.log(0, m));
        String where = o.remote() == null ? "the local agent" : o.remote().toString();
        // the rules are in and the listener is accepting: a connection made now is tunnelled
        Runnable connected = () -> {
            Daemonizer.connected();
            notify.ready("Connected to " + where);
        };
        try {
            return run(o, settings, owner, log, notify, connected, where);
        } finally {
            notify.stopping();
        }
    }

    private int run(ClientOptions o, TunnelSettings settings, Owner owner, TunnelClient.Log log, SdNotify notify,
                    Runnable connected, String where) throws Exception {
        if (o.agent() == ClientOptions.Agent.NONE) return runWithoutAgent(o, settings, owner, log, notify, connected);
        AgentLaunch launch = launch(o, settings);
        DnsListener dns = null;
        List<InetAddress> nameservers = List.of();
        if (o.capturesDns()) {
            nameservers = o.dns() ? localNameservers() : o.nsHosts();
            nameservers = nameservers.stream().filter(a -> Family.of(a) == Family.IPV4).toList();
            if (nameservers.isEmpty()) throw new SshuttleException("--dns: no IPv4 nameserver to capture in /etc/resolv.conf", ExitCodes.USAGE);
            InetSocketAddress v4 = o.listen().ipv4();
            if (v4 == null) throw new SshuttleException("--dns needs an IPv4 listen address", ExitCodes.USAGE);
            dns = o.method() == ClientOptions.Method.TPROXY ? DnsListener.bindTransparent(new InetSocketAddress(v4.getAddress(), 0))
                    : DnsListener.bind(new InetSocketAddress(v4.getAddress(), 0), v4.getPort());
        }
        int dnsPort = dns == null ? 0 : dns.port();
        HelperFirewallFactory firewall = new HelperFirewallFactory(o, nameservers, dnsPort, owner, log);
        TunnelClient tunnel = new TunnelClient(settings, launch, firewall::create, OriginalDestination::of, log,
                connected, code -> RemoteExitExplainer.explain(code, sshHostInsideSubnets(o),
                        o.python(), o.remote() == null ? null : o.remote().host()));
        if (dns != null) tunnel.withDns(dns);
        if (o.remote() != null && o.remote().password() != null) tunnel.withSshPassword(sshpass(), o.remote().password());
        if (o.hostwatch()) tunnel.withHostWatch(o.seedHosts());
        if (o.method() == ClientOptions.Method.TPROXY) tunnel.withTproxy(new TunnelClient.Tproxy(o.udpIdle(), o.maxUdpFlows()));
        TerminationSignals.install(() -> {
            notify.stopping();
            tunnel.stop();
        });
        stopWhenTheNamespaceParentEnds(tunnel::stop);
        notify.reportConnections(tunnel::openConnections, where);
        try (StatusServer status = startStatus(tunnel, log); MetricsServer metrics = startMetrics(o, tunnel)) {
            return tunnel.run();
        } finally {
            if (launch.stripe() != null) launch.stripe().close();
        }
    }

    /** --agent none: ssh direct-tcpip channels of one builtin ssh session, nothing run remotely. */
    private static int runWithoutAgent(ClientOptions o, TunnelSettings settings, Owner owner, TunnelClient.Log log,
                                       SdNotify notify, Runnable connected) throws IOException {
        try (BuiltinSsh ssh = BuiltinSsh.start(settings.user(), settings.host(), settings.port())) {
            DirectTcpipTunnel tunnel = new DirectTcpipTunnel(settings, ssh,
                    new HelperFirewallFactory(o, List.of(), 0, owner, log)::create, OriginalDestination::of, log,
                    connected);
            TerminationSignals.install(() -> {
                notify.stopping();
                tunnel.stop();
            });
            return tunnel.run();
        }
    }

    private record HelperFirewallFactory(ClientOptions o, List<InetAddress> nameservers, int dnsPort, Owner owner,
                                         TunnelClient.Log log) {
        HelperFirewall create() {
            // --user/--group work with nat only: auto picks it rather than failing in the helper
            String method = !owner.isAny() && o.method() == ClientOptions.Method.AUTO ? "nat" : o.method().name().toLowerCase();
            HelperFirewall firewall = new HelperFirewall(method, o.includes(), o.excludes(),
                    nameservers, dnsPort, o.autoNets(), owner, log);
            return o.method() == ClientOptions.Method.TPROXY
                    ? firewall.withTproxy(Integer.parseUnsignedInt(o.tmark().substring(2), 16)) : firewall;
        }
    }

    /** --namespace: the process that started us inside the namespace is gone (even SIGKILLed): so are we. */
    private static void stopWhenTheNamespaceParentEnds(Runnable stop) {
        String parent = System.getenv(NamespaceReexec.PARENT_ENV);
        if (parent == null || !parent.matches("\\d{1,10}")) return;
        java.util.Optional<ProcessHandle> handle = ProcessHandle.of(Long.parseLong(parent));
        if (handle.isEmpty()) {
            stop.run();
            return;
        }
        handle.get().onExit().thenRun(() -> Thread.ofPlatform().name("namespace-parent-gone").start(stop));
    }

    /** The socket `sshuttle status` asks; without it the tunnel still runs (a warning says why). */
    private static StatusServer startStatus(TunnelClient tunnel, TunnelClient.Log log) {
        try {
            StatusServer s = StatusServer.start(StatusDirectory.ensure(StatusDirectory.of(System.getenv())), tunnel::status);
            log.log(2, "status socket " + s.path());
            return s;
        } catch (IOException | RuntimeException e) {
            log.log(0, "warning: no status socket (sshuttle status will not see this client): " + e.getMessage());
            return null;
        }
    }

    private static MetricsServer startMetrics(ClientOptions o, TunnelClient tunnel) throws SshuttleException {
        if (o.metrics() == null) return null;
        try {
            return MetricsServer.start(o.metrics(), tunnel::status);
        } catch (IOException e) {
            throw new SshuttleException("--metrics " + o.metrics() + ": " + e.getMessage(), ExitCodes.USAGE);
        }
    }

    /** sshpass on the PATH, or a usage error saying what to do: a password is never dropped silently. */
    private static String sshpass() throws SshuttleException {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "sshpass"))) return Path.of(dir, "sshpass").toString();
        }
        throw new SshuttleException("-r user:password@host: the password is handed to ssh by sshpass, which is not "
                + "installed (apt install sshpass); or leave the password out and use a key or ssh-agent", ExitCodes.USAGE);
    }

    private static void refuseUnsupported(ClientOptions o) throws SshuttleException {
        if (o.remote() != null && o.remote().password() != null
                && (o.transport() != ClientOptions.Transport.SSH || o.agent() == ClientOptions.Agent.NONE)) {
            throw new SshuttleException("-r user:password@host needs the system ssh (--transport ssh) with sshpass; "
                    + "--transport builtin and --agent none use keys only", ExitCodes.USAGE);
        }
        if (o.agent() == ClientOptions.Agent.NONE) {
            if (o.transport() != ClientOptions.Transport.BUILTIN || o.remote() == null) {
                throw new SshuttleException("--agent none needs --transport builtin and -r: it uses ssh port forwarding", ExitCodes.USAGE);
            }
            if (o.capturesDns() || o.autoNets()) {
                throw new SshuttleException("--agent none carries TCP only: --dns, --ns-hosts and -N need an agent", ExitCodes.USAGE);
            }
        }
        if (o.method() == ClientOptions.Method.TPROXY) {
            if (o.agent() == ClientOptions.Agent.NONE) {
                throw new SshuttleException("--method tproxy carries UDP, which --agent none cannot", ExitCodes.USAGE);
            }
            if (Integer.parseUnsignedInt(o.tmark().substring(2), 16) == 0) {
                throw new SshuttleException("--tmark 0 marks nothing: use a mark of 1 or more", ExitCodes.USAGE);
            }
            if (new com.sun.security.auth.module.UnixSystem().getUid() != 0) {
                throw new SshuttleException("--method tproxy needs the client itself to run as root (its transparent "
                        + "sockets need CAP_NET_ADMIN): run it with sudo", ExitCodes.USAGE);
            }
        }
        if ((o.user() != null || o.group() != null) && o.method() != ClientOptions.Method.AUTO
                && o.method() != ClientOptions.Method.NAT) {
            throw new SshuttleException("--user/--group need --method nat (iptables' owner match)", ExitCodes.USAGE);
        }
        if (o.hostwatch() && o.agent() == ClientOptions.Agent.NONE) {
            throw new SshuttleException("-H/--seed-hosts need an agent (the remote's hostwatch); not with --agent none", ExitCodes.USAGE);
        }
    }

    private static TunnelSettings settings(ClientOptions o) {
        List<InetSocketAddress> listen = new ArrayList<>();
        if (o.listen().ipv4() != null) listen.add(o.listen().ipv4());
        if (o.listen().ipv6() != null && !o.disableIpv6()) listen.add(o.listen().ipv6());
        MuxConfig mux = MuxConfig.defaults()
                .withLatencyControl(o.latencyControl(), o.latencyBufferSize())
                .withKeepalive(o.keepaliveInterval(), o.keepaliveTimeout())
                .withMaxChannel(o.maxChannel() > 0 ? Math.min(o.maxChannel(), Frame.MAX_CHANNEL) : Frame.MAX_CHANNEL);
        TunnelSettings.AgentKind agent = switch (o.agent()) {
            case PYTHON -> TunnelSettings.AgentKind.PYTHON;
            case JAVA -> TunnelSettings.AgentKind.JAVA;
            case AUTO, NONE -> TunnelSettings.AgentKind.AUTO; // NONE never starts an agent
        };
        boolean local = o.transport() == ClientOptions.Transport.LOCAL || o.remote() == null;
        return new TunnelSettings(o.sshCmd(),
                local ? null : o.remote().user(), local ? null : o.remote().host(), local ? 0 : o.remote().port(),
                agent, o.python(), o.protocol() == ClientOptions.Protocol.V1 ? 1 : 2, listen, mux, o.verbose(),
                o.autoNets(), o.toNs() == null ? null : o.toNs().getAddress().getHostAddress() + "@" + o.toNs().getPort(),
                null, o.reconnect(), Duration.ofSeconds(30), o.transport() == ClientOptions.Transport.BUILTIN, o.setupTimeout());
    }

    private static Owner owner(ClientOptions o) throws SshuttleException {
        try {
            return OwnerLookup.resolve(o.user(), o.group());
        } catch (IOException e) {
            throw new SshuttleException(e.getMessage(), ExitCodes.USAGE);
        }
    }

    private static AgentLaunch launch(ClientOptions o, TunnelSettings s) throws IOException, SshuttleException {
        AgentOptions options = new AgentOptions(s.protocol(), o.latencyControl(), o.latencyBufferSize(), o.verbose(),
                o.autoNets(), s.toNs(), null, o.autoHosts());
        // --channels: only over ssh to a remote, and only with 0002 (an 0001 session stays on one channel)
        if (o.channels() != 1 && o.transport() != ClientOptions.Transport.LOCAL && o.remote() != null && s.protocol() == 2) {
            StripeClient stripe = StripeClient.prepare(o.channels());
            try {
                return AgentLaunch.striped(agentLaunch(o, s, options.withStripe(stripe.agentOptions())), stripe);
            } catch (IOException | SshuttleException | RuntimeException e) {
                stripe.close();
                throw e;
            }
        }
        return agentLaunch(o, s, options);
    }

    private static AgentLaunch agentLaunch(ClientOptions o, TunnelSettings s, AgentOptions options) throws IOException, SshuttleException {
        AgentBootstrap python = o.python() == null ? AgentBootstrap.python() : AgentBootstrap.python(o.python());
        boolean auto = s.agent() == TunnelSettings.AgentKind.AUTO;
        Path jar = SelfLaunch.runningJar();
        if (s.agent() == TunnelSettings.AgentKind.JAVA && jar == null) {
            throw new SshuttleException("--agent java needs the client to run from sshuttle.jar", ExitCodes.USAGE);
        }
        if (s.agent() == TunnelSettings.AgentKind.PYTHON || jar == null) return pythonLaunch(python, options);
        // the agent jar leaves out the client-only libraries; kept next to the user's other caches
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "sshuttle-java");
        return javaLaunch(new JavaAgentUpload(AgentJar.of(jar, cache)), o.remoteJava(), options, auto ? python : null,
                o.verbose() > 0);
    }

    /** The Python agent: the python3 one-liner, then the compressed agent and its options on stdin. */
    private static AgentLaunch pythonLaunch(AgentBootstrap python, AgentOptions options) {
        byte[] preamble = python.stdinPreamble(options);
        String command = python.remoteCommand();
        return new AgentLaunch() {
            public String remoteCommand() {
                return command;
            }

            public byte[] preamble() {
                return preamble;
            }
        };
    }

    /**
     * The Java agent, with the jar uploaded (once) over the session. With a fallback (--agent
     * auto) a remote without a JDK 25 runs the Python agent in the same session instead.
     */
    private static AgentLaunch javaLaunch(JavaAgentUpload upload, String remoteJava, AgentOptions options,
                                          AgentBootstrap fallback, boolean verbose) {
        byte[] javaLine = options.toJsonLine().getBytes(StandardCharsets.UTF_8);
        byte[] pythonPreamble = fallback == null ? null : fallback.stdinPreamble(options);
        String command = upload.remoteCommand(remoteJava, fallback == null ? null : fallback.shellScript());
        return new AgentLaunch() {
            private volatile byte[] preamble = javaLine;

            public String remoteCommand() {
                return command;
            }

            public byte[] preamble() {
                return preamble;
            }

            public void beforePreamble(InputStream in, OutputStream out) throws IOException {
                try {
                    upload.upload(in, out);
                    StartTimeline.mark("the remote found its JDK and the agent jar");
                } catch (JavaAgentUpload.NoRemoteJavaException e) {
                    if (fallback == null) throw e;
                    if (verbose) System.err.println("sshuttle: no JDK 25 on the remote; using the Python agent");
                    preamble = pythonPreamble;
                }
            }
        };
    }

    /** Would our own rules capture the ssh server? Then ssh failing (255) is probably why. */
    private static boolean sshHostInsideSubnets(ClientOptions o) {
        if (o.remote() == null) return false;
        try {
            for (InetAddress a : InetAddress.getAllByName(o.remote().host())) {
                boolean in = o.includes().stream().anyMatch(r -> r.contains(a));
                boolean out = o.excludes().stream().anyMatch(r -> r.contains(a));
                if (in && !out) return true;
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** --dns: the nameservers this machine uses, including systemd-resolved's real upstreams. */
    static List<InetAddress> localNameservers() throws IOException {
        Set<InetAddress> out = new LinkedHashSet<>();
        for (String file : new String[] {"/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"}) {
            Path p = Path.of(file);
            if (!Files.isReadable(p)) continue;
            for (String line : Files.readAllLines(p)) {
                String[] f = line.strip().split("\\s+");
                if (f.length >= 2 && f[0].equals("nameserver")) {
                    try {
                        out.add(InetAddress.getByName(f[1].split("%")[0]));
                    } catch (IOException e) {
                        // not an address: skip it
                    }
                }
            }
        }
        return new ArrayList<>(out);
    }
}
