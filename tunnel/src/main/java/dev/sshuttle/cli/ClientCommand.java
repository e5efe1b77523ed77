package dev.sshuttle.cli;

import dev.sshuttle.exit.ExitCodes;

import dev.sshuttle.config.BadArgumentException;
import dev.sshuttle.config.ClientOptions;
import dev.sshuttle.config.HostResolver;
import dev.sshuttle.config.ListenAddresses;
import dev.sshuttle.config.RemoteTarget;
import dev.sshuttle.config.ShellWords;
import dev.sshuttle.config.SubnetParser;
import dev.sshuttle.net.SubnetRule;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The client's command line, as sshuttle 1.1 has it (options.py), plus our own options. Picocli
 * fills the raw fields; {@link #toOptions} checks them and builds {@link ClientOptions}.
 */
@Command(name = "sshuttle", sortOptions = false, separator = "=",
        customSynopsis = "sshuttle [-l [ip:]port] -r [user@]sshserver[:port] <subnets...>",
        description = "Transparent proxy over ssh: every TCP connection to the subnets you name goes"
                + " through the ssh server. Arguments may also come from @FILE (one per line) and"
                + " the SSHUTTLE_ARGS environment variable.",
        footer = {"", "Exit codes: " + ExitCodes.OK + " normal end (also SIGINT/SIGTERM), " + ExitCodes.FAILURE
                + " failure, " + ExitCodes.USAGE + " usage error, " + ExitCodes.PIDFILE_CONFLICT
                + " pidfile names a running sshuttle, " + ExitCodes.REMOTE_FATAL + " remote fatal error, "
                + ExitCodes.SSH_FAILED + " ssh failed or the connection was lost."})
final class ClientCommand {

    @Parameters(paramLabel = "IP/MASK[:PORT[-PORT]]", arity = "0..*",
            description = "capture traffic to these subnets: 10.0.0.0/8, 0/0, 1.2.3.4:80,"
                    + " 10.0.0.0/8:1000-2000, [2001:db8::/32]:443, example.com")
    List<String> subnets = new ArrayList<>();

    @Option(names = {"-r", "--remote"}, paramLabel = "[USER@]ADDR[:PORT]", description = "ssh target (required)")
    String remote;

    @Option(names = {"-x", "--exclude"}, paramLabel = "IP/MASK[:PORT[-PORT]]", description = "exclude this subnet (repeatable)")
    List<String> excludes = new ArrayList<>();

    @Option(names = {"-X", "--exclude-from"}, paramLabel = "PATH", description = "exclude the subnets in a file, one per line")
    List<Path> excludeFiles = new ArrayList<>();

    @Option(names = {"-s", "--subnets"}, paramLabel = "PATH", description = "capture the subnets in a file, one per line")
    List<Path> subnetFiles = new ArrayList<>();

    @Option(names = {"-l", "--listen"}, paramLabel = "[IP:]PORT[,...]",
            description = "listen here (a bare port means 0.0.0.0:port; port 0 searches 12300..9001)")
    String listen;

    @Option(names = {"-e", "--ssh-cmd"}, paramLabel = "CMD", description = "ssh command to use [default: ssh]")
    String sshCmd = "ssh";

    @Option(names = "--python", paramLabel = "PATH", description = "python interpreter on the remote")
    String python;

    @Option(names = "--remote-java", paramLabel = "PATH",
            description = "java (JDK 25+) on the remote for --agent java [default: search JAVA_HOME, PATH, /usr/lib/jvm]")
    String remoteJava;

    @Option(names = "--method", paramLabel = "TYPE", description = "auto, nat, nft, tproxy [default: auto]")
    String method = "auto";

    @Option(names = "--dns", description = "capture local DNS requests and resolve them remotely")
    boolean dns;

    @Option(names = "--ns-hosts", paramLabel = "IP[,IP]", description = "capture DNS requests to these servers")
    String nsHosts;

    @Option(names = "--to-ns", paramLabel = "IP[:PORT]", description = "remote DNS server to forward DNS requests to")
    String toNs;

    @Option(names = {"-N", "--auto-nets"}, description = "also capture the networks in the remote's routing table")
    boolean autoNets;

    @Option(names = {"-H", "--auto-hosts"}, description = "scan for remote host names and add them to /etc/hosts")
    boolean autoHosts;

    @Option(names = "--seed-hosts", paramLabel = "HOSTNAME[,HOSTNAME]", description = "host names to start the scan with")
    String seedHosts;

    @Option(names = "--no-latency-control", description = "classic protocol: do not throttle for latency")
    boolean noLatencyControl;

    @Option(names = "--latency-buffer-size", paramLabel = "SIZE", description = "classic protocol: latency buffer bytes [default: 32768]")
    int latencyBufferSize = ClientOptions.DEFAULT_LATENCY_BUFFER_SIZE;

    @Option(names = "--wrap", paramLabel = "NUM", description = "wrap channel numbers after NUM (testing)")
    int wrap;

    @Option(names = "--disable-ipv6", description = "do not listen on or capture IPv6")
    boolean disableIpv6;

    @Option(names = {"-D", "--daemon"}, description = "run in the background once connected")
    boolean daemon;

    @Option(names = "--pidfile", paramLabel = "PATH", description = "pidfile for --daemon [default: ./sshuttle.pid]")
    String pidfile = "./sshuttle.pid";

    @Option(names = "--syslog", description = "log through syslog (default with --daemon)")
    boolean syslog;

    @Option(names = "--logfile", paramLabel = "PATH", description = "with --daemon: append the log to this file instead of syslog")
    Path logfile;

    @Option(names = "--user", paramLabel = "USER", description = "capture only this user's traffic (nat)")
    String user;

    @Option(names = "--group", paramLabel = "GROUP", description = "capture only this group's traffic (nat)")
    String group;

    @Option(names = {"-t", "--tmark"}, paramLabel = "MARK", description = "tproxy mark in hex [default: 0x01]")
    String tmark = "0x01";

    @Option(names = {"-v", "--verbose"}, description = "more messages (repeatable: -vv)")
    boolean[] verbose = new boolean[0];

    @Option(names = "--agent", paramLabel = "KIND", description = "remote agent: python, java, auto (java where the remote has a JDK 25, else python), or none (ssh port forwarding per connection, with --transport builtin) [default: python]")
    String agent = "python";

    @Option(names = "--protocol", paramLabel = "VERSION", description = "mux protocol: auto, 1, 2 [default: auto]")
    String protocol = "auto";

    @Option(names = "--keepalive", paramLabel = "DURATION", description = "ping after this long without input, 0 = off [default: 5s]")
    String keepalive = "5s";

    @Option(names = "--keepalive-timeout", paramLabel = "DURATION", description = "give the session up after this long without input, 0 = off [default: 15s]")
    String keepaliveTimeout = "15s";

    @Option(names = "--udp-timeout", paramLabel = "DURATION", description = "--method tproxy: close a UDP flow idle this long [default: 30s]")
    String udpTimeout = "30s";

    @Option(names = "--udp-flows", paramLabel = "N", description = "--method tproxy: UDP flows open at once, at most; datagrams of further ones are dropped [default: 1024]")
    int udpFlows = 1024;

    @Option(names = "--reconnect", description = "start a new session when an established one dies")
    boolean reconnect;

    @Option(names = "--setup-timeout", paramLabel = "DURATION", description = "give a session up when ssh and the agent have not answered within this long (a first session with a terminal to ask passwords on waits as long as it takes), 0 = off [default: 60s]")
    String setupTimeout = "60s";

    @Option(names = "--transport", paramLabel = "KIND", description = "ssh (the system ssh client), builtin (ssh inside the JVM: ~/.ssh/config, keys, known_hosts; no ssh-agent), local (agent on this host) [default: ssh]")
    String transport = "ssh";

    @Option(names = "--channels", paramLabel = "N", description = "stripe the tunnel over N channels of the one ssh connection (2..16), or auto (from the round trip): past ssh's 2 MiB window per round trip on long links [default: 1]")
    String channels = "1";

    @Option(names = "--namespace", paramLabel = "NAME", description = "run the client inside this network namespace (ip netns; needs root)")
    String namespace;

    @Option(names = "--namespace-pid", paramLabel = "PID", description = "run the client inside the network namespace of this process (needs root)")
    String namespacePid;

    @Option(names = "--metrics", paramLabel = "ADDR:PORT", description = "serve the status as Prometheus text on http://ADDR:PORT/metrics (e.g. 127.0.0.1:9105)")
    String metrics;

    @Option(names = "--sudoers-no-modify", description = "print a sudoers rule that lets --sudoers-user run the firewall helper without a password, and exit (nothing is changed)")
    boolean sudoersNoModify;

    @Option(names = "--sudoers-user", paramLabel = "USER", description = "the user, or %%group, for --sudoers-no-modify [default: you]")
    String sudoersUser;

    @Option(names = "--no-sudo-pythonpath", hidden = true, description = "accepted for compatibility; no effect")
    boolean noSudoPythonpath;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "print the version and exit")
    boolean versionRequested;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "print this help and exit")
    boolean helpRequested;

    /** Checks every value and resolves names; throws {@link BadArgumentException} with one line. */
    ClientOptions toOptions(HostResolver resolver, Consumer<String> warnings, Path workingDirectory) {
        ClientOptions.Transport transportKind = choice("--transport", transport,
                Map.of("ssh", ClientOptions.Transport.SSH, "builtin", ClientOptions.Transport.BUILTIN,
                        "local", ClientOptions.Transport.LOCAL));
        RemoteTarget target = RemoteTarget.parse(remote);
        if (target == null && transportKind != ClientOptions.Transport.LOCAL) {
            throw new BadArgumentException("missing -r/--remote [user@]host[:port]: the ssh server to tunnel through");
        }
        SubnetParser subnetParser = new SubnetParser(resolver, warnings);
        List<SubnetRule> includes = new ArrayList<>(subnetParser.parseAll(subnets, false));
        for (Path file : subnetFiles) includes.addAll(subnetParser.parseFile(file, false));
        List<SubnetRule> excluded = new ArrayList<>(subnetParser.parseAll(excludes, true));
        for (Path file : excludeFiles) excluded.addAll(subnetParser.parseFile(file, true));
        if (includes.isEmpty() && !autoNets) {
            throw new BadArgumentException("at least one subnet, subnet file (-s), or -N expected");
        }

        ListenAddresses listenAddresses = listen == null
                ? ListenAddresses.defaults(disableIpv6)
                : ListenAddresses.parse(listen, resolver);
        if (disableIpv6 && listenAddresses.ipv6() != null) {
            throw new BadArgumentException("an IPv6 listen address was given with --disable-ipv6");
        }

        List<String> sshWords = ShellWords.split(sshCmd);
        if (sshWords.isEmpty()) throw new BadArgumentException("-e/--ssh-cmd is empty");
        if (latencyBufferSize < 1) throw new BadArgumentException("--latency-buffer-size must be positive, not " + latencyBufferSize);
        if (wrap < 0 || wrap > 65535) throw new BadArgumentException("--wrap must be between 1 and 65535");
        Duration interval = parseDuration("--keepalive", keepalive);
        Duration timeout = parseDuration("--keepalive-timeout", keepaliveTimeout);
        if (!interval.isZero() && !timeout.isZero() && timeout.compareTo(interval) <= 0) {
            throw new BadArgumentException("--keepalive-timeout (" + keepaliveTimeout + ") must be longer than --keepalive ("
                    + keepalive + ")");
        }
        Duration udpIdle = parseDuration("--udp-timeout", udpTimeout);
        if (udpIdle.isZero()) throw new BadArgumentException("--udp-timeout must be longer than 0");
        if (udpFlows < 1 || udpFlows > 65535) throw new BadArgumentException("--udp-flows must be between 1 and 65535");
        List<InetAddress> nameservers = parseNameservers(nsHosts);
        InetSocketAddress toNameserver = toNs == null ? null : parseToNs(toNs, resolver);
        if (toNameserver != null && !dns && nameservers.isEmpty()) {
            warnings.accept("--to-ns is ignored unless --dns or --ns-hosts is used");
        }
        if (logfile != null && !daemon) warnings.accept("--logfile only applies with -D/--daemon");

        return new ClientOptions(
                target, includes, excluded, listenAddresses, sshWords, python,
                choice("--method", method, methods()),
                dns, nameservers, toNameserver, autoNets, autoHosts, splitList(seedHosts),
                !noLatencyControl, latencyBufferSize,
                daemon, workingDirectory.resolve(pidfile).toAbsolutePath().normalize(),
                syslog || (daemon && logfile == null),
                logfile == null ? null : workingDirectory.resolve(logfile).toAbsolutePath().normalize(),
                user, group, verbose.length, disableIpv6, normaliseTmark(tmark), wrap,
                choice("--agent", agent, Map.of("python", ClientOptions.Agent.PYTHON,
                        "java", ClientOptions.Agent.JAVA, "auto", ClientOptions.Agent.AUTO,
                        "none", ClientOptions.Agent.NONE)),
                choice("--protocol", protocol, Map.of("auto", ClientOptions.Protocol.AUTO,
                        "1", ClientOptions.Protocol.V1, "2", ClientOptions.Protocol.V2)),
                interval, timeout, reconnect, parseDuration("--setup-timeout", setupTimeout), transportKind, remoteJava, parseChannels(transportKind), udpIdle, udpFlows,
                metrics == null ? null : parseMetrics(metrics));
    }

    /** --channels: 1..16 or auto (0); more than one needs the system ssh's -L forward. */
    private int parseChannels(ClientOptions.Transport transportKind) {
        int n;
        if ("auto".equals(channels)) {
            n = 0;
        } else {
            try {
                n = Integer.parseInt(channels);
            } catch (NumberFormatException e) {
                throw new BadArgumentException("--channels must be a number 1..16 or auto, not '" + channels + "'");
            }
            if (n < 1 || n > 16) throw new BadArgumentException("--channels must be 1..16 or auto, not " + n);
        }
        if (n != 1 && transportKind == ClientOptions.Transport.LOCAL) {
            throw new BadArgumentException("--channels needs ssh (--transport ssh or builtin): the extra channels are ssh channels");
        }
        return n;
    }

    private static Map<String, ClientOptions.Method> methods() {
        return Map.of("auto", ClientOptions.Method.AUTO, "nat", ClientOptions.Method.NAT,
                "nft", ClientOptions.Method.NFT, "tproxy", ClientOptions.Method.TPROXY);
    }

    private static <E> E choice(String option, String value, Map<String, E> choices) {
        String key = value.toLowerCase(Locale.ROOT);
        E found = choices.get(key);
        if (found != null) return found;
        if (option.equals("--method") && (key.equals("pf") || key.equals("ipfw"))) {
            throw new BadArgumentException("--method " + value + " is for BSD/macOS; on Linux use auto, nat, nft or tproxy");
        }
        throw new BadArgumentException(option + " must be one of " + String.join(", ", choices.keySet().stream().sorted().toList())
                + ", not '" + value + "'");
    }

    /** sshuttle's parse_list: split on commas and whitespace. */
    static List<String> splitList(String text) {
        if (text == null || text.isBlank()) return List.of();
        return List.of(text.strip().split("[\\s,]+"));
    }

    private static List<InetAddress> parseNameservers(String text) {
        List<InetAddress> out = new ArrayList<>();
        for (String ip : splitList(text)) {
            out.add(literal(ip, "--ns-hosts"));
        }
        return out;
    }

    /** {@code IP[:PORT]} or {@code [V6]:PORT}; port 53 when not given (sshuttle's server default). */
    private static InetSocketAddress parseToNs(String text, HostResolver resolver) {
        try {
            ListenAddresses parsed = ListenAddresses.parse(text, resolver);
            InetSocketAddress a = parsed.ipv4() != null ? parsed.ipv4() : parsed.ipv6();
            if (text.indexOf(',') >= 0) throw new BadArgumentException("--to-ns takes one address");
            if (text.chars().allMatch(Character::isDigit)) throw new BadArgumentException("--to-ns needs an address, not just a port");
            return new InetSocketAddress(a.getAddress(), a.getPort() == 0 ? 53 : a.getPort());
        } catch (BadArgumentException e) {
            throw new BadArgumentException(e.getMessage().replace("-l/--listen", "--to-ns"));
        }
    }

    private static InetAddress literal(String ip, String option) {
        boolean looksNumeric = ip.matches("[0-9.]+") || ip.matches("[0-9A-Fa-f:.]+") && ip.contains(":");
        if (!looksNumeric) throw new BadArgumentException(option + ": '" + ip + "' is not an IP address");
        try {
            return HostResolver.SYSTEM.resolve(ip)[0];
        } catch (UnknownHostException e) {
            throw new BadArgumentException(option + ": '" + ip + "' is not an IP address");
        }
    }

    /** --metrics: {@code PORT} (on 127.0.0.1), {@code IP:PORT} or {@code [IPv6]:PORT}; an IP literal, never a name. */
    static InetSocketAddress parseMetrics(String text) {
        String host = "127.0.0.1";
        String port = text;
        if (text.startsWith("[")) {
            int close = text.indexOf("]:");
            if (close < 0) throw new BadArgumentException("--metrics: expected [IPv6]:PORT, not '" + text + "'");
            host = text.substring(1, close);
            port = text.substring(close + 2);
        } else if (text.indexOf(':') >= 0) {
            host = text.substring(0, text.lastIndexOf(':'));
            port = text.substring(text.lastIndexOf(':') + 1);
        }
        if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw new BadArgumentException("--metrics: '" + port + "' is not a port (1-65535)");
        }
        return new InetSocketAddress(literal(host, "--metrics"), Integer.parseInt(port));
    }

    /** sshuttle: must parse as hex; "0x" is added if missing and it is lower-cased. */
    static String normaliseTmark(String mark) {
        String m = mark.toLowerCase(Locale.ROOT);
        String digits = m.startsWith("0x") ? m.substring(2) : m;
        if (!digits.matches("[0-9a-f]{1,8}")) throw new BadArgumentException("--tmark must be a hexadecimal value, not '" + mark + "'");
        return m.startsWith("0x") ? m : "0x" + m;
    }

    /** {@code 5}, {@code 5s}, {@code 500ms}, {@code 2m}; {@code 0} is off. */
    static Duration parseDuration(String option, String text) {
        var m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h)?").matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) throw new BadArgumentException(option + ": '" + text + "' is not a duration (e.g. 5s, 500ms, 2m, 0 = off)");
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }
}
