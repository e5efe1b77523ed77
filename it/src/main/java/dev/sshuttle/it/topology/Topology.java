package dev.sshuttle.it.topology;

import dev.sshuttle.it.sys.Cmd;
import dev.sshuttle.it.target.TargetServices;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Three network namespaces joined by veth pairs:
 * <pre>
 *   client 10.77.X.1 ── 10.77.X.2 gateway 10.78.X.1 ── 10.78.X.2 target
 *                        (sshd, python3)                (echo, sink, source, http, dns)
 * </pre>
 * and the same in IPv6: fd00:77:x::1, fd00:77:x::2 | fd00:78:x::1, fd00:78:x::2 (x = X in hex).
 * X is drawn per run; names are {@code sshj-ID-client}, {@code sshj-ID-gw}, {@code sshj-ID-target}.
 * The gateway does not forward packets (ip_forward=0) and the target has no route to the
 * client's subnet, so the target is reachable from the client only through a tunnel via the
 * gateway. By default the client has a default route via the gateway (like a LAN host), which
 * a transparent proxy needs: without any route, connect() fails before iptables' nat OUTPUT can
 * redirect it. {@link ClientRoute#NONE} leaves the client with its own subnet only.
 * <p>close() always tears everything down; a shutdown hook covers an aborted JVM, and
 * {@link NamespaceReaper} removes what a SIGKILLed run left behind. Processes started with
 * {@code ip netns exec} in the client or gateway see a resolv.conf naming the target's DNS.
 */
public final class Topology implements AutoCloseable {
    /** How the client namespace routes traffic for other subnets. */
    public enum ClientRoute { DEFAULT_VIA_GATEWAY, NONE }

    /** The tools the topology itself runs (with root: {@code Prerequisites.requireRootAndTools(TOOLS)}). */
    public static final List<String> TOOLS = List.of("ip", "sshd", "ssh", "ssh-keygen", "python3");

    private final RunLock runLock;
    private final Path workDir;
    private final int subnetOctet;
    private final Netns client;
    private final Netns gateway;
    private final Netns target;
    private final List<Netns> created = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    private TargetServices services;
    private SshGateway ssh;

    private Topology(RunLock runLock, Path workDir) {
        this.runLock = runLock;
        this.workDir = workDir;
        this.subnetOctet = ThreadLocalRandom.current().nextInt(1, 255);
        this.client = new Netns(prefix() + "client");
        this.gateway = new Netns(prefix() + "gw");
        this.target = new Netns(prefix() + "target");
        this.shutdownHook = new Thread(this::teardown, "sshj-topology-teardown");
    }

    /** Builds the topology with the client's default route via the gateway. */
    public static Topology start() {
        return start(ClientRoute.DEFAULT_VIA_GATEWAY);
    }

    /**
     * Builds the whole topology (namespaces, links, target services, sshd); throws with the
     * failing command's stderr if any step fails, after tearing down what was built.
     * Callers check {@code Prerequisites.requireRootAndTools(Topology.TOOLS)} first.
     */
    public static Topology start(ClientRoute clientRoute) {
        NamespaceReaper.reapOnce();
        RunLock lock = RunLock.acquireNew();
        Topology t;
        try {
            t = new Topology(lock, Files.createTempDirectory("sshj-" + lock.id() + "-"));
        } catch (IOException e) {
            lock.close();
            throw new UncheckedIOException("cannot create the topology's temp dir: " + e.getMessage(), e);
        }
        Runtime.getRuntime().addShutdownHook(t.shutdownHook);
        try {
            t.build(clientRoute);
            return t;
        } catch (IOException e) {
            t.close();
            throw new UncheckedIOException("topology " + t.prefix() + " failed to start: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private void build(ClientRoute clientRoute) throws IOException {
        for (Netns ns : List.of(client, gateway, target)) {
            ip("netns", "add", ns.name());
            created.add(ns);
            ns.runOrThrow("ip", "link", "set", "lo", "up");
        }
        link(client, "to-gw", gateway, "to-client");
        link(gateway, "to-target", target, "to-gw");
        addr(client, "to-gw", clientIp(), clientIp6());
        addr(gateway, "to-client", gatewayIp(), gatewayIp6());
        addr(gateway, "to-target", gatewayTargetSideIp(), gatewayTargetSideIp6());
        addr(target, "to-gw", targetIp(), targetIp6());
        // the gateway is a host, not a router: only a tunnel through it reaches the target
        gateway.runOrThrow("sysctl", "-q", "-w", "net.ipv4.ip_forward=0");
        gateway.runOrThrow("sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=0");
        if (clientRoute == ClientRoute.DEFAULT_VIA_GATEWAY) {
            client.runOrThrow("ip", "route", "add", "default", "via", gatewayIp().getHostAddress());
            client.runOrThrow("ip", "-6", "route", "add", "default", "via", gatewayIp6().getHostAddress());
        }
        // one dual-stack wildcard socket per service: reachable on the target's v4 and v6 address
        services = TargetServices.start(target, InetAddress.getByName("::"), Map.of(
                "target.sshj.test", targetIp(),
                "echo.sshj.test", targetIp(),
                "gateway.sshj.test", gatewayTargetSideIp()));
        // processes under `ip netns exec` see /etc/netns/NAME/resolv.conf as /etc/resolv.conf:
        // the target's DNS is the nameserver of the private network, for client and gateway
        // (sshd and the agent it starts inherit the gateway's view)
        for (Netns ns : List.of(client, gateway)) ns.writeEtcFile("resolv.conf", "nameserver " + targetIp().getHostAddress() + "\n");
        int sshPort = ThreadLocalRandom.current().nextInt(20000, 30000);
        ssh = SshGateway.start(gateway, gatewayIp(), sshPort, workDir);
    }

    private void link(Netns a, String aIf, Netns b, String bIf) {
        ip("link", "add", aIf, "netns", a.name(), "type", "veth", "peer", "name", bIf, "netns", b.name());
        a.runOrThrow("ip", "link", "set", aIf, "up");
        b.runOrThrow("ip", "link", "set", bIf, "up");
    }

    private static void addr(Netns ns, String ifName, Inet4Address ip, Inet6Address ip6) {
        ns.runOrThrow("ip", "addr", "add", ip.getHostAddress() + "/24", "dev", ifName);
        // nodad: usable at once instead of "tentative" for a second or two
        ns.runOrThrow("ip", "-6", "addr", "add", ip6.getHostAddress() + "/64", "dev", ifName, "nodad");
    }

    private static void ip(String... args) {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        Cmd.run(Netns.COMMAND_TIMEOUT, argv).orThrow();
    }

    private Inet4Address address(int net, int host) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {10, (byte) net, (byte) subnetOctet, (byte) host});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private Inet6Address address6(int net, int host) {
        try {
            return (Inet6Address) InetAddress.getByName("fd00:" + net + ":" + Integer.toHexString(subnetOctet) + "::" + host);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code sshj-ID-}: every namespace, temp dir and process of this run carries it. */
    public String prefix() {
        return NamespaceReaper.PREFIX + runLock.id() + "-";
    }

    public Netns client() {
        return client;
    }

    public Netns gateway() {
        return gateway;
    }

    public Netns target() {
        return target;
    }

    /** The client's address, 10.77.X.1. */
    public Inet4Address clientIp() {
        return address(77, 1);
    }

    /** The gateway's client-side address, 10.77.X.2: where sshd listens. */
    public Inet4Address gatewayIp() {
        return address(77, 2);
    }

    /** The gateway's target-side address, 10.78.X.1: the source of tunnelled connections. */
    public Inet4Address gatewayTargetSideIp() {
        return address(78, 1);
    }

    /** The target's address, 10.78.X.2. */
    public Inet4Address targetIp() {
        return address(78, 2);
    }

    /** The client's IPv6 address, fd00:77:x::1 (x = X in hex). */
    public Inet6Address clientIp6() {
        return address6(77, 1);
    }

    /** The gateway's client-side IPv6 address, fd00:77:x::2 (sshd listens on v4 only). */
    public Inet6Address gatewayIp6() {
        return address6(77, 2);
    }

    /** The gateway's target-side IPv6 address, fd00:78:x::1. */
    public Inet6Address gatewayTargetSideIp6() {
        return address6(78, 1);
    }

    /** The target's IPv6 address, fd00:78:x::2: every service answers there too. */
    public Inet6Address targetIp6() {
        return address6(78, 2);
    }

    /** The IPv6 subnet to tunnel, {@code fd00:78:x::/64}. */
    public String targetSubnet6() {
        return "fd00:78:" + Integer.toHexString(subnetOctet) + "::/64";
    }

    /** The client-side subnet, {@code 10.77.X.0/24}. */
    public String clientSubnet() {
        return "10.77." + subnetOctet + ".0/24";
    }

    /** The subnet to tunnel, {@code 10.78.X.0/24}: sshuttle's subnet argument. */
    public String targetSubnet() {
        return "10.78." + subnetOctet + ".0/24";
    }

    public SshGateway ssh() {
        return ssh;
    }

    public TargetServices services() {
        return services;
    }

    /** A service port on the target's IPv6 address, e.g. {@code target6(TargetServices.ECHO_PORT)}. */
    public InetSocketAddress target6(int port) {
        return new InetSocketAddress(targetIp6(), port);
    }

    /** The echo service on the target's IPv4 address (likewise sink, source, http, dns). */
    public InetSocketAddress echo() {
        return new InetSocketAddress(targetIp(), TargetServices.ECHO_PORT);
    }

    public InetSocketAddress sink() {
        return new InetSocketAddress(targetIp(), TargetServices.SINK_PORT);
    }

    public InetSocketAddress source() {
        return new InetSocketAddress(targetIp(), TargetServices.SOURCE_PORT);
    }

    /** The target's {@link dev.sshuttle.it.target.ResetService}: reads a little, then sends RST. */
    public InetSocketAddress reset() {
        return new InetSocketAddress(targetIp(), TargetServices.RESET_PORT);
    }

    /** A port on the target where nothing listens: connects are refused. */
    public InetSocketAddress closedPort() {
        return new InetSocketAddress(targetIp(), TargetServices.CLOSED_PORT);
    }

    public InetSocketAddress http() {
        return new InetSocketAddress(targetIp(), TargetServices.HTTP_PORT);
    }

    public InetSocketAddress dns() {
        return new InetSocketAddress(targetIp(), TargetServices.DNS_PORT);
    }

    /** This run's temp dir (keys, sshd config and log); deleted on close. */
    public Path workDir() {
        return workDir;
    }

    /** One line naming everything, for failure messages. */
    public String describe() {
        return "topology " + prefix() + ": client " + clientIp().getHostAddress() + " | gateway "
                + gatewayIp().getHostAddress() + "/" + gatewayTargetSideIp().getHostAddress()
                + " sshd :" + (ssh == null ? "-" : ssh.port()) + " | target " + targetIp().getHostAddress();
    }

    /** Tears everything down: services, sshd, every process left in the namespaces, the namespaces, temp files. */
    @Override
    public void close() {
        teardown();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: nothing to remove
        }
    }

    private void teardown() {
        if (!closed.compareAndSet(false, true)) return;
        if (services != null) services.close();
        if (ssh != null) ssh.close();
        for (Netns ns : created.reversed()) {
            NamespaceReaper.killProcessesIn(ns);
            NamespaceReaper.deleteNamespace(ns.name());
        }
        NamespaceReaper.deleteTree(workDir);
        runLock.close();
    }

    @Override
    public String toString() {
        return describe();
    }
}
