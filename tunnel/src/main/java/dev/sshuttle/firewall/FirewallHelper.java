package dev.sshuttle.firewall;

import dev.sshuttle.exit.ExitCodes;

import dev.sshuttle.net.Family;

import dev.sshuttle.net.SubnetRule;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The privileged helper: installs the redirect rules for one client session and removes them
 * when the session ends, however it ends. It runs as root (through sudo/doas when the client
 * is not root) with the client on the other end of its stdin/stdout.
 *
 * <h2>Line protocol</h2>
 * ASCII lines ending in {@code \n}, sshuttle 1.1.2's (its client.py FirewallClient and firewall.py main) plus one
 * optional line:
 * <pre>
 * helper → client  READY &lt;method&gt;                 method resolved on this host (auto → nat|nft)
 * client → helper  METHOD &lt;auto|nat|nft|tproxy&gt;          (ours, optional) use this method instead; the
 *                                                  client sends it so the CLI need not pass --method
 * client → helper  ROUTES
 * client → helper  &lt;family&gt;,&lt;width&gt;,&lt;exclude 0|1&gt;,&lt;ip&gt;,&lt;fport&gt;,&lt;lport&gt;   per subnet
 * client → helper  NSLIST
 * client → helper  &lt;family&gt;,&lt;ip&gt;                per DNS server to intercept
 * client → helper  PORTS &lt;tcp v6&gt;,&lt;tcp v4&gt;,&lt;dns v6&gt;,&lt;dns v4&gt;   (0 = none)
 * client → helper  GO &lt;udp&gt; &lt;uid|-&gt; [&lt;gid|-&gt;] &lt;tmark&gt; &lt;client pid&gt;
 * helper → client  STARTED                        rules are in place
 * client → helper  HOST &lt;name&gt;,&lt;ip&gt;               -H: the name goes into /etc/hosts (one marked block,
 *                                                  rewritten at the end of each burst; see {@link HostsFile})
 * client → helper  EOF                            remove every rule, exit 0
 * </pre>
 * Family numbers are Linux AF values (2 = IPv4, anything else IPv6). Addresses must be IP
 * literals. GO with udp=1 needs method tproxy, which takes its mark from the tmark field
 * ({@code 0x} and hex digits); a uid/gid needs nat. The client pid is accepted and not used.
 *
 * <h2>Cleanup guarantees</h2>
 * The helper holds a lock per listener port and network namespace ({@link PortLock}): a port
 * that another running helper holds is refused, and its rules are left alone. Holding it, the
 * helper removes the rules of the same ports a crashed run left, then installs its own, tagged
 * with its session ({@link RuleTag}); its cleanup removes only rules with that tag. Every rule is
 * removed when stdin reaches EOF (the kernel closes the pipe when the client dies, SIGKILL
 * included), and by a shutdown hook when the helper gets SIGTERM or SIGINT. SIGHUP is ignored,
 * so closing the terminal does not kill the helper before the client is gone. A failing tool
 * command prints the command and its output on stderr; the helper then removes what it
 * installed and exits 1. Bad input gets one line on stderr and exit 1 (after cleanup); so does any
 * other exception or Error (out of memory included).
 */
public final class FirewallHelper {
    /** Bound on route and nameserver lines in one request. */
    static final int MAX_RULE_LINES = 100_000;
    /** Bound on -H names in the hosts file. */
    static final int MAX_HOSTS = 10_000;

    /** Turns a method name into a method that works here. */
    interface MethodResolver {
        FirewallMethod resolve(String name) throws FirewallException;
    }

    /** Takes the lock of a listener port, or refuses. */
    interface PortLocker {
        AutoCloseable acquire(int port) throws IOException;
    }

    private final CommandRunner runner;
    private final PrintStream err;
    private final MethodResolver methods;
    private final PortLocker ports;
    private final Object lock = new Object();
    private FirewallMethod method;
    private final List<Runnable> installedCleanups = new ArrayList<>();
    private final Path hostsPath;
    private final List<String> flushDnsCache;
    private final java.util.Map<String, HostEntry> hosts = new java.util.LinkedHashMap<>();
    private HostsFile hostsFile;
    private boolean hostsDirty;

    /**
     * In-process (tests, fuzzing): HOST lines are checked and then dropped, no hosts file is
     * ever written, and no DNS cache flushed.
     */
    FirewallHelper(CommandRunner runner, PrintStream err, MethodResolver methods, PortLocker ports) {
        this(runner, err, methods, ports, null, null);
    }

    /**
     * @param hostsPath     the hosts file -H names go into; null for none
     * @param flushDnsCache the command that empties the system resolver's cache (systemd-resolved's
     *                      {@code resolvectl flush-caches}), run when DNS capture starts and ends; null for none
     */
    FirewallHelper(CommandRunner runner, PrintStream err, MethodResolver methods, PortLocker ports, Path hostsPath,
                   List<String> flushDnsCache) {
        this.hostsPath = hostsPath;
        this.flushDnsCache = flushDnsCache;
        this.runner = runner;
        this.err = err;
        this.methods = methods;
        this.ports = ports;
    }

    /** Runs the helper with method auto; see {@link #run(List, InputStream, PrintStream, PrintStream)}. */
    public static int run(InputStream in, PrintStream out, PrintStream err) {
        return run(List.of(), in, out, err);
    }

    /**
     * Runs the helper until its input ends. Arguments: {@code --method auto|nat|nft} (default
     * auto), {@code --iptables-backend legacy|nft} (default: what {@code iptables -V} reports;
     * also taken from env SSHUTTLE_IPTABLES_BACKEND), {@code --hosts-file PATH} (default
     * /etc/hosts; tests give a file of their own). Returns the exit status.
     */
    public static int run(List<String> args, InputStream in, PrintStream out, PrintStream err) {
        String methodName = "auto";
        String backend = System.getenv("SSHUTTLE_IPTABLES_BACKEND");
        Path hostsFile = HostsFile.DEFAULT;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            boolean hasValue = i + 1 < args.size();
            if (arg.equals("--method") && hasValue) {
                methodName = args.get(++i);
            } else if (arg.equals("--iptables-backend") && hasValue) {
                backend = args.get(++i);
            } else if (arg.equals("--hosts-file") && hasValue) {
                hostsFile = Path.of(args.get(++i)); // tests: a file of theirs instead of /etc/hosts
            } else if (!arg.equals("--firewall") && !arg.startsWith("-v")) {
                err.println("sshuttle firewall: unknown argument '" + arg + "'");
                return ExitCodes.USAGE;
            }
        }
        ProcessRunner tools = new ProcessRunner();
        String iptablesBackend = backend;
        return new FirewallHelper(tools, err, name -> FirewallMethods.resolve(name, tools, iptablesBackend), PortLock::acquire,
                hostsFile, resolvedFlush()).serve(methodName, in, out);
    }

    /** Serves one client on {@code in}/{@code out} until its input ends; returns the exit status. */
    int serve(String methodName, InputStream in, PrintStream out) {
        try {
            method = methods.resolve(methodName);
        } catch (FirewallException e) {
            err.println("sshuttle firewall: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        Thread hook = Thread.ofPlatform().unstarted(this::cleanup);
        Runtime.getRuntime().addShutdownHook(hook);
        SignalIgnorer.ignoreHangup();
        try {
            out.println(HelperLines.READY + " " + method.name());
            out.flush();
            LineReader lines = new LineReader(new BufferedInputStream(in));
            FirewallRules rules = readRequest(lines);
            if (rules == null) return ExitCodes.OK; // the client went away before GO: nothing was installed
            install(rules);
            out.println(HelperLines.STARTED);
            out.flush();
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isEmpty()) continue;
                if (!line.startsWith(HelperLines.HOST + " ")) throw new FirewallException("unexpected line from client: " + line);
                addHost(line.substring(HelperLines.HOST.length() + 1), rules);
                // a HOST_LIST arrives as a burst of lines: one rewrite at its end, not one per line
                if (!lines.ready()) writeHosts();
            }
            return cleanup() ? 0 : 1;
        } catch (IOException e) {
            err.println("sshuttle firewall: " + e.getMessage());
            cleanup();
            return ExitCodes.FAILURE;
        } catch (RuntimeException | Error e) {
            // whatever went wrong (a bug, out of memory), the rules go: they were put in for a
            // session that is over now
            cleanup();
            err.println("sshuttle firewall: " + e);
            return ExitCodes.FAILURE;
        } finally {
            try {
                // a cleanup that failed half-way (an Error inside it) leaves the hook to retry at exit
                if (cleanedUp()) Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or ran: it did the cleanup
            }
        }
    }

    /** Reads up to GO; null if the input ends first. */
    private FirewallRules readRequest(LineReader lines) throws IOException {
        String line = lines.readLine();
        if (line != null && line.startsWith(HelperLines.METHOD + " ")) {
            method = methods.resolve(line.substring(HelperLines.METHOD.length() + 1).strip());
            line = lines.readLine();
        }
        if (line == null) return null;
        expect(HelperLines.ROUTES, line);
        List<SubnetRule> subnets = new ArrayList<>();
        while ((line = lines.readLine()) != null && !line.equals(HelperLines.NSLIST)) {
            bound(subnets.size());
            subnets.add(HelperLines.parseSubnet(line));
        }
        List<Nameserver> nameservers = new ArrayList<>();
        while (line != null && (line = lines.readLine()) != null && !line.startsWith(HelperLines.PORTS + " ")) {
            bound(nameservers.size());
            nameservers.add(HelperLines.parseNameserver(line));
        }
        if (line == null) return null;
        ListenPorts ports = HelperLines.parsePorts(line);
        line = lines.readLine();
        if (line == null) return null;
        if (!line.startsWith(HelperLines.GO + " ")) expect(HelperLines.GO + " ...", line);
        HelperLines.Go go = HelperLines.parseGo(line);
        Owner owner = go.owner();
        if (method instanceof TproxyMethod tproxy) {
            method = tproxy.with(go.mark(), go.udp());
        } else if (go.udp()) {
            throw new FirewallException("UDP needs the tproxy method, not " + method.name());
        }
        if (!owner.isAny() && !(method instanceof NatMethod)) {
            throw new FirewallException("--user/--group need the nat method, not " + method.name());
        }
        try {
            return new FirewallRules(subnets, nameservers, ports, owner);
        } catch (IllegalArgumentException e) {
            throw new FirewallException("inconsistent rules: " + e.getMessage());
        }
    }

    private void install(FirewallRules rules) throws IOException {
        synchronized (lock) {
            // the ports first: a port a running helper holds is refused before any rule is touched
            for (Family family : List.of(Family.IPV6, Family.IPV4)) {
                int port = rules.ports().tcp(family);
                if (port == 0 || portLocks.stream().anyMatch(l -> l.port() == port)) continue;
                portLocks.add(new HeldPort(port, ports.acquire(port)));
            }
            // IPv6 first, then IPv4, as sshuttle does
            for (Family family : List.of(Family.IPV6, Family.IPV4)) {
                int port = rules.ports().tcp(family);
                if (port == 0) continue;
                FirewallMethod m = method;
                m.removeStale(family, port, runner); // a crashed run's rules: nobody else holds the port
                installedCleanups.add(() -> removeReporting(m, family, port));
                if (rules.hasRules(family)) m.setup(family, rules, runner);
            }
            // a block of names a killed helper of this port left behind
            if (hostsPort(rules) != 0 && hostsPath != null) newHostsFile(rules).restore();
            if (flushDnsCache != null && !rules.nameservers().isEmpty()) {
                // answers cached before the capture would bypass the tunnel, and ours outlive it: flush at both ends
                flushDns();
                installedCleanups.add(this::flushDns);
            }
        }
    }

    /** systemd-resolved's cache where it runs ({@link #resolvedFlush()}); a failure is a note, never fatal. */
    private void flushDns() {
        try {
            CommandRunner.Result r = runner.run(flushDnsCache);
            if (!r.ok()) err.println("sshuttle firewall: note: " + String.join(" ", flushDnsCache) + " failed: " + r.output().strip());
        } catch (IOException e) {
            err.println("sshuttle firewall: note: " + String.join(" ", flushDnsCache) + " did not run: " + e.getMessage());
        }
    }

    /** {@code resolvectl flush-caches} where systemd-resolved runs (its runtime directory exists), else null. */
    static List<String> resolvedFlush() {
        String resolvectl = ToolPaths.find("resolvectl");
        if (resolvectl == null || !java.nio.file.Files.isDirectory(Path.of("/run/systemd/resolve"))) return null;
        return List.of(resolvectl, "flush-caches");
    }

    /** A HOST line: checked again here (the helper trusts no client), kept, written at the end of the burst. */
    private void addHost(String nameCommaIp, FirewallRules rules) {
        HostEntry e;
        try {
            e = HostEntry.parse(nameCommaIp);
        } catch (IllegalArgumentException bad) {
            err.println("sshuttle firewall: HOST refused: " + bad.getMessage());
            return;
        }
        if (hosts.size() >= MAX_HOSTS && !hosts.containsKey(e.name())) {
            err.println("sshuttle firewall: more than " + MAX_HOSTS + " host names; " + e.name() + " not added");
            return;
        }
        if (hostsPath == null) return;
        if (e.equals(hosts.put(e.name(), e))) return;
        hostsDirty = true;
        synchronized (lock) {
            if (hostsFile == null) {
                hostsFile = newHostsFile(rules);
                installedCleanups.add(this::restoreHosts);
            }
        }
    }

    /** The block is named after the listener port, as the chains are (v4's, or v6's when there is no v4 listener). */
    private static int hostsPort(FirewallRules rules) {
        return rules.ports().tcpV4() != 0 ? rules.ports().tcpV4() : rules.ports().tcpV6();
    }

    private HostsFile newHostsFile(FirewallRules rules) {
        return new HostsFile(hostsPath, hostsPort(rules), m -> err.println("sshuttle firewall: " + m));
    }

    private void writeHosts() throws IOException {
        if (!hostsDirty) return;
        hostsDirty = false;
        synchronized (lock) {
            hostsFile.write(hosts.values());
        }
    }

    private void restoreHosts() {
        try {
            hostsFile.restore();
        } catch (IOException e) {
            failures++;
            err.println("sshuttle firewall: removing the names from " + hostsPath + " failed: " + e.getMessage());
        }
    }

    private record HeldPort(int port, AutoCloseable lock) {}

    private final List<HeldPort> portLocks = new ArrayList<>();

    /** Removes every rule this helper may have installed; true if all removals worked. Idempotent. */
    private boolean cleanup() {
        synchronized (lock) {
            int before = failures;
            for (Runnable cleanupStep : installedCleanups) cleanupStep.run();
            installedCleanups.clear();
            // the ports go last, once their rules are gone (exit would drop the locks anyway)
            for (HeldPort held : portLocks) {
                try {
                    held.lock().close();
                } catch (Exception e) {
                    // the lock goes with the process
                }
            }
            portLocks.clear();
            return failures == before;
        }
    }

    private int failures;

    private boolean cleanedUp() {
        synchronized (lock) {
            return installedCleanups.isEmpty();
        }
    }

    private void removeReporting(FirewallMethod m, Family family, int port) {
        try {
            m.remove(family, port, runner);
        } catch (IOException e) {
            failures++;
            err.println("sshuttle firewall: removing " + family + " rules of port " + port + " failed: "
                    + e.getMessage());
        }
    }

    private static void expect(String expected, String line) throws FirewallException {
        if (!line.equals(expected)) throw new FirewallException("expected " + expected + " but got: " + line);
    }

    private static void bound(int count) throws FirewallException {
        if (count >= MAX_RULE_LINES) throw new FirewallException("more than " + MAX_RULE_LINES + " rule lines");
    }
}
