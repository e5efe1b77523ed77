package dev.sshuttle.client;

import dev.sshuttle.exit.ExitCodes;

import dev.sshuttle.startup.StartTimeline;
import dev.sshuttle.transport.AgentLaunch;
import dev.sshuttle.transport.BuiltinSsh;
import dev.sshuttle.transport.ProcessTransport;
import dev.sshuttle.transport.SshCommand;
import dev.sshuttle.transport.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * A whole tunnel run: listener, firewall, ssh, agent, session; and, with --reconnect, new
 * sessions after a lost one. Returns the process exit code. {@link #stop()} (signals) ends it
 * cleanly: connections closed, rules removed, exit 0.
 */
public final class TunnelClient {
    private final TunnelSettings settings;
    private final AgentLaunch launch;
    private final Supplier<Firewall> firewallFactory;
    private final DestinationLookup lookup;
    private final Log log;
    private final Runnable onFirstConnect;
    private final IntFunction<String> explainRemoteExit;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private volatile ClientSession current;
    private DnsListener dns;
    private Tproxy tproxy;
    private String sshpass;
    private String hostRequest;
    private String password;
    private volatile boolean stopping;
    private final long startedNanos = System.nanoTime();
    private volatile int reconnects;

    /** Log sink with sshuttle's verbosity levels (0 always, 1 -v, 2 -vv). */
    public interface Log {
        void log(int level, String message);

        /** Whether messages of this level are shown: lets a hot path skip building them. */
        default boolean shows(int level) {
            return true;
        }
    }

    public TunnelClient(TunnelSettings settings, AgentLaunch launch, Supplier<Firewall> firewallFactory,
                        DestinationLookup lookup, Log log, Runnable onFirstConnect, IntFunction<String> explainRemoteExit) {
        this.settings = settings;
        this.launch = launch;
        this.firewallFactory = firewallFactory;
        this.lookup = lookup;
        this.log = log;
        this.onFirstConnect = onFirstConnect;
        this.explainRemoteExit = explainRemoteExit;
    }

    /** Also serve DNS (--dns); the listener is closed when the run ends. */
    public TunnelClient withDns(DnsListener listener) {
        this.dns = listener;
        return this;
    }

    /** --method tproxy: transparent listeners, and UDP flows with this idle timeout and cap. */
    public record Tproxy(java.time.Duration udpIdle, int maxUdpFlows) {}

    /** -r user:password@host: ssh runs under this sshpass program with the password in SSHPASS. */
    public TunnelClient withSshPassword(String sshpassProgram, String pass) {
        this.sshpass = sshpassProgram;
        this.password = pass;
        return this;
    }

    /** -H / --seed-hosts: the server's names go into /etc/hosts through the helper. */
    public TunnelClient withHostWatch(List<String> seeds) {
        this.hostRequest = String.join("\n", seeds);
        return this;
    }

    public TunnelClient withTproxy(Tproxy settings) {
        this.tproxy = settings;
        return this;
    }

    public int run() {
        try {
            return runSessions();
        } finally {
            if (dns != null) dns.close();
            finished.countDown();
        }
    }

    /** What `sshuttle status` shows; any thread. */
    public TunnelStatus status() {
        ClientSession s = current;
        ClientSession.View v = s == null ? null : s.view();
        String remote = settings.host() == null ? "the local agent"
                : (settings.user() == null ? "" : settings.user() + "@") + settings.host() + (settings.port() > 0 ? ":" + settings.port() : "");
        return new TunnelStatus(ProcessHandle.current().pid(), remote, java.time.Duration.ofNanos(System.nanoTime() - startedNanos),
                s != null && s.isConnected(), reconnects, v == null ? 0 : v.rttNanos(), v == null ? 0 : v.bytesOut(),
                v == null ? 0 : v.bytesIn(), v == null ? 0 : v.udpFlows(), v == null ? List.of() : v.connections());
    }

    /** Connections the current session is bridging (0 between sessions); any thread, approximate. */
    public int openConnections() {
        ClientSession s = current;
        return s == null ? 0 : s.openConnections();
    }

    /** Ends the run from any thread (SIGINT/SIGTERM) and waits, bounded, for the cleanup. */
    public void stop() {
        stopping = true;
        stopSignal.countDown();
        ClientSession s = current;
        if (s != null) s.stop();
        try {
            finished.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int runSessions() {
        SshCommand ssh = settings.host() == null || settings.builtinSsh() ? null
                : new SshCommand(settings.sshCmd(), settings.user(), settings.host(), settings.port());
        if (ssh != null && password != null) ssh = ssh.withPassword(sshpass, password);
        try (BuiltinSsh builtin = settings.host() != null && settings.builtinSsh()
                ? BuiltinSsh.start(settings.user(), settings.host(), settings.port()) : null) {
            return runSessions(ssh, builtin);
        } catch (IOException e) {
            log.log(0, "sshuttle: " + e.getMessage());
            return ExitCodes.REMOTE_FATAL;
        }
    }

    private int runSessions(SshCommand ssh, BuiltinSsh builtin) {
        // ssh -G runs beside the helper's start and ssh's connect: only the rules need its answer
        CompletableFuture<List<InetAddress>> serverAddresses = ssh == null
                ? CompletableFuture.completedFuture(builtin != null ? builtin.serverAddresses() : List.of())
                : CompletableFuture.supplyAsync(() -> {
                    List<InetAddress> found = ssh.resolveServerAddresses();
                    StartTimeline.mark("ssh server address known (ssh -G)");
                    log.log(2, "ssh server " + settings.host() + " resolves to " + found);
                    return found;
                }, runnable -> Thread.ofVirtual().name("ssh-G").start(runnable));
        // closed in reverse order: the rules go first, then the listener; the other way round,
        // another local user could bind the freed port and receive connections still captured
        try (TransparentListener listener = TransparentListener.bind(settings.listen(), tproxy != null);
             UdpFlows udp = tproxy == null ? null : UdpFlows.bind(listener.addresses(), listener.port(),
                     tproxy.udpIdle().toNanos(), tproxy.maxUdpFlows(), log);
             Firewall firewall = firewallFactory.get()) {
            // a sudo prompt comes before ssh's own; without one the helper starts just after ssh
            // (on two cores a JVM starting beside the client's own start slowed both)
            if (firewall.preparePrompts()) firewall.prepare();
            log.log(1, "listener bound on port " + listener.port() + (udp == null ? "" : " (TCP and UDP)"));
            boolean[] installed = {false};
            boolean everConnected = false;
            Duration backoff = Duration.ofSeconds(1);
            for (int attempt = 1; !stopping; attempt++) {
                ClientSession.End end = runOneSession(ssh, builtin, listener, udp, firewall, serverAddresses, installed);
                everConnected |= end.wasConnected();
                if (stopping || end.reason() == ClientSession.Reason.STOPPED) return ExitCodes.OK;
                if (settings.reconnect() && everConnected && end.reason() != ClientSession.Reason.SETUP_FAILED) {
                    log.log(0, "session lost (" + end.message() + "); reconnecting in " + backoff.toSeconds() + " s");
                    if (sleepUnlessStopped(backoff)) return ExitCodes.OK;
                    backoff = backoff.multipliedBy(2).compareTo(settings.reconnectMaxBackoff()) > 0
                            ? settings.reconnectMaxBackoff() : backoff.multipliedBy(2);
                    continue;
                }
                return explain(end);
            }
            return ExitCodes.OK;
        } catch (Exception e) {
            log.log(0, "sshuttle: " + e.getMessage());
            return ExitCodes.REMOTE_FATAL;
        }
    }

    private ClientSession.End runOneSession(SshCommand ssh, BuiltinSsh builtin, TransparentListener listener,
                                            UdpFlows udp, Firewall firewall, CompletableFuture<List<InetAddress>> serverAddresses,
                                            boolean[] installed)
            throws IOException {
        String remote = settings.remoteCommandOverride() != null ? settings.remoteCommandOverride() : launch.remoteCommand();
        Transport transport;
        if (builtin != null) {
            log.log(2, "starting the agent through " + builtin.describe());
            transport = builtin.exec(remote, launch.stripe() != null);
        } else {
            // no ssh host: sshuttle's local mode, the agent runs here through the same shell command
            List<String> argv = ssh == null ? List.of("/bin/sh", "-c", remote)
                    : ssh.argv(remote, launch.stripe() == null ? List.of() : launch.stripe().sshOptions());
            log.log(2, "starting " + argv.subList(0, argv.size() - 1) + " <agent launcher>");
            transport = ProcessTransport.start(argv, ssh == null ? java.util.Map.of() : ssh.environment(),
                    ssh == null ? "local agent" : ssh.describe());
        }
        StartTimeline.mark("ssh started");
        try {
            firewall.prepare();
        } catch (Exception e) {
            transport.close();
            return new ClientSession.End(ClientSession.Reason.SETUP_FAILED, e.getMessage(), -1, false);
        }
        // armed once nothing can return before the finally below disarms it
        Duration bound = SetupDeadline.applies(installed[0]) ? settings.setupTimeout() : Duration.ZERO;
        SetupDeadline deadline = SetupDeadline.arm(bound, () -> {
            log.log(0, "sshuttle: " + transport.describe() + " and the agent did not answer within " + bound.toSeconds()
                    + " s (--setup-timeout); giving this session up");
            transport.abort();
        });
        ClientSession.End end = null;
        try {
            launch.beforePreamble(transport.in(), transport.out());
            ClientSession session = new ClientSession(transport, launch.preamble(), settings.mux(), listener, lookup,
                    new ClientSession.Hooks() {
                        public void serverReady(int port, String routes) throws Exception {
                            deadline.disarm();
                            if (!installed[0]) {
                                firewall.install(port, listener.addresses(), serverAddresses.join(), routes);
                                StartTimeline.mark("firewall rules installed");
                                installed[0] = true;
                                log.log(0, "Connected to server.");
                                onFirstConnect.run();
                            } else {
                                reconnects++;
                                log.log(0, "Reconnected to server.");
                            }
                        }

                        public void log(int level, String message) {
                            log.log(level, message);
                        }

                        public void hostList(String text) {
                            addHosts(firewall, text);
                        }

                        public boolean shows(int level) {
                            return log.shows(level);
                        }
                    });
            if (dns != null) session.withDns(dns);
            if ((ssh != null || builtin != null) && launch.stripe() != null) session.withStripe(launch.stripe());
            if (udp != null) session.withUdp(udp);
            if (hostRequest != null) session.withHostRequest(hostRequest);
            current = session;
            if (stopping) return new ClientSession.End(ClientSession.Reason.STOPPED, "stopped", -1, false);
            end = session.run();
            if (deadline.expired()) end = setupExpired(bound);
            return end;
        } catch (IOException e) {
            if (deadline.expired()) return setupExpired(bound);
            int code = transport.awaitExit(Duration.ofSeconds(3));
            return new ClientSession.End(ClientSession.Reason.TRANSPORT_CLOSED, e.getMessage(), code, false);
        } finally {
            deadline.disarm();
            current = null;
            if (end != null && end.reason() == ClientSession.Reason.KEEPALIVE_TIMEOUT) {
                transport.abort();
            } else {
                transport.close();
            }
        }
    }

    /** A set-up that ran out of time ends like an ssh that could not connect (255, as its ConnectTimeout). */
    private static ClientSession.End setupExpired(Duration bound) {
        return new ClientSession.End(ClientSession.Reason.TRANSPORT_CLOSED, "ssh and the agent did not answer within "
                + bound.toSeconds() + " s (--setup-timeout)", ExitCodes.SSH_FAILED, false);
    }

    /** Checks the server's names; the refused ones each get a log line (at most 20 a list), the rest go to the helper. */
    private void addHosts(Firewall firewall, String text) {
        HostList list = HostList.parse(text);
        int shown = 0;
        for (String why : list.refused()) {
            if (shown++ < 20) log.log(0, "warning: -H: refusing a host entry from the server: " + why);
        }
        if (shown > 20) log.log(0, "warning: -H: ... and " + (shown - 20) + " more refused");
        if (list.accepted().isEmpty()) return;
        if (log.shows(1)) log.log(1, "-H: " + list.accepted().size() + " names from the server for /etc/hosts");
        try {
            firewall.addHosts(list.accepted());
        } catch (java.io.IOException e) {
            log.log(0, "warning: -H: cannot hand names to the firewall helper: " + e.getMessage());
        }
    }

    private int explain(ClientSession.End end) {
        int code = end.remoteExitCode();
        String hint = code >= 0 ? explainRemoteExit.apply(code) : null;
        log.log(0, "sshuttle: " + end.message() + (code >= 0 ? " (remote exit code " + code + ")" : ""));
        if (hint != null && !hint.isEmpty()) log.log(0, "sshuttle: " + hint);
        return exitCode(end);
    }

    /** The process exit code for a session that ended the run (README's table). */
    static int exitCode(ClientSession.End end) {
        // a connection the keepalive gave up on is lost like one ssh saw drop, and ssh's own
        // ServerAliveCountMax ends with 255 too; it is not the agent failing (99)
        if (end.reason() == ClientSession.Reason.KEEPALIVE_TIMEOUT) return ExitCodes.SSH_FAILED;
        return switch (end.remoteExitCode()) {
            case ExitCodes.REMOTE_NO_JAVA, ExitCodes.REMOTE_NO_PYTHON, ExitCodes.REMOTE_NOT_FOUND, ExitCodes.SSH_FAILED ->
                    end.remoteExitCode();
            default -> ExitCodes.REMOTE_FATAL;
        };
    }

    /** Waits out the reconnect backoff; true when a stop came meanwhile. */
    private boolean sleepUnlessStopped(Duration d) {
        try {
            return stopSignal.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
