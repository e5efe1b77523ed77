package dev.sshuttle.firewall;

import dev.sshuttle.net.IpText;

import dev.sshuttle.net.Family;

import dev.sshuttle.net.SubnetRule;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * sshuttle's {@code tproxy} method (sshuttle 1.1.2's methods/tproxy.py): TPROXY in the mangle table, for
 * TCP and UDP, with the policy routing sshuttle leaves to the user set up here. Per family and
 * listener port:
 * <ul>
 * <li>chain {@code sshuttle-m-<port>} hooked at OUTPUT 1 marks locally sent packets for the
 *     subnets with the tproxy mark;</li>
 * <li>{@code ip rule fwmark <mark> lookup <table>} and {@code local default dev lo} in that table
 *     loop marked packets back in on lo;</li>
 * <li>chain {@code sshuttle-t-<port>} hooked at PREROUTING 1 hands them to the listener
 *     (TPROXY --on-port), and packets of sockets that exist already (-m socket) to the divert
 *     chain {@code sshuttle-d-<port>}, which marks and accepts them.</li>
 * </ul>
 * The routing table is {@link #table(int)}: named after the port, like the chains, so instances
 * coexist and a crashed run's leftovers are found again. Removal deletes every jump, chain,
 * rule pointing at the table and route in it, whatever mark a stale run used.
 */
public final class TproxyMethod implements FirewallMethod {
    public static final int DEFAULT_MARK = 0x1;
    /** Bound on deleting duplicate jumps or rules left by crashed runs; far above any real count. */
    private static final int MAX_DELETES = 64;
    private static final int TABLE_BASE = 100_000;

    private final Iptables iptables;
    private final String ip;
    private final int mark;
    private final boolean udp;

    public TproxyMethod(Iptables iptables, String ipBinary, int mark, boolean udp) {
        this.iptables = iptables;
        this.ip = ipBinary;
        this.mark = mark;
        this.udp = udp;
    }

    /** This method with the mark and UDP choice of the client's GO line. */
    public TproxyMethod with(int newMark, boolean newUdp) {
        return new TproxyMethod(iptables, ip, newMark, newUdp);
    }

    @Override
    public String name() {
        return "tproxy";
    }

    /** The policy-routing table of a listener port (above the port range, clear of local/main/default). */
    public static int table(int port) {
        return TABLE_BASE + port;
    }

    public static String markChain(int port) {
        return "sshuttle-m-" + port;
    }

    public static String tproxyChain(int port) {
        return "sshuttle-t-" + port;
    }

    public static String divertChain(int port) {
        return "sshuttle-d-" + port;
    }

    @Override
    public List<List<String>> setupCommands(Family family, FirewallRules rules) {
        int port = rules.ports().tcp(family);
        String m = markChain(port);
        String t = tproxyChain(port);
        String d = divertChain(port);
        String markText = "0x" + Integer.toHexString(mark);
        List<List<String>> commands = new ArrayList<>();
        for (String chain : List.of(m, d, t)) {
            commands.add(mangle(family, "-N", chain));
            commands.add(mangle(family, "-F", chain));
        }
        commands.add(mangle(family, "-I", "OUTPUT", "1", "-j", m));
        commands.add(mangle(family, "-I", "PREROUTING", "1", "-j", t));
        int dnsPort = rules.ports().dns(family);
        for (Nameserver ns : rules.nameservers(family)) {
            String dest = IpText.of(ns.address()) + "/" + family.maxWidth;
            commands.add(mangle(family, "-A", m, "-j", "MARK", "--set-mark", markText, "--dest", dest,
                    "-p", "udp", "--dport", "53"));
            commands.add(mangle(family, "-A", t, "-j", "TPROXY", "--tproxy-mark", markText, "--dest", dest,
                    "-p", "udp", "--dport", "53", "--on-port", Integer.toString(dnsPort)));
        }
        commands.add(mangle(family, "-A", t, "-j", "RETURN", "-m", "addrtype", "--dst-type", "LOCAL"));
        commands.add(mangle(family, "-A", m, "-j", "RETURN", "-m", "addrtype", "--dst-type", "LOCAL"));
        commands.add(mangle(family, "-A", d, "-j", "MARK", "--set-mark", markText));
        commands.add(mangle(family, "-A", d, "-j", "ACCEPT"));
        List<String> protocols = udp ? List.of("tcp", "udp") : List.of("tcp");
        for (String proto : protocols) commands.add(mangle(family, "-A", t, "-m", "socket", "-j", d, "-p", proto));
        for (SubnetRule rule : rules.sortedSubnets(family)) {
            for (String proto : protocols) {
                List<String> match = new ArrayList<>(List.of("--dest", rule.cidr(), "-p", proto));
                if (!rule.allPorts()) {
                    match.add("--dport");
                    match.add(rule.firstPort() == rule.lastPort() ? Integer.toString(rule.firstPort())
                            : rule.firstPort() + ":" + rule.lastPort());
                }
                if (rule.exclude()) {
                    commands.add(mangle(family, concat(List.of("-A", m, "-j", "RETURN"), match)));
                    commands.add(mangle(family, concat(List.of("-A", t, "-j", "RETURN"), match)));
                } else {
                    commands.add(mangle(family, concat(List.of("-A", m, "-j", "MARK", "--set-mark", markText), match)));
                    commands.add(mangle(family, concat(List.of("-A", t, "-j", "TPROXY", "--tproxy-mark", markText),
                            match, List.of("--on-port", Integer.toString(port)))));
                }
            }
        }
        String table = Integer.toString(table(port));
        commands.add(ip(family, "route", "add", "local", "default", "dev", "lo", "table", table));
        commands.add(ip(family, "rule", "add", "fwmark", markText, "lookup", table));
        return commands;
    }

    /** The chains and the table are the port's, and the helper holds the port's {@link PortLock}: all of it is this session's. */
    @Override
    public void remove(Family family, int port, CommandRunner runner) throws IOException {
        removeAll(family, port, runner);
    }

    /** A crashed run's chains, jumps, ip rules and routes on this port, whatever mark it used. */
    @Override
    public void removeStale(Family family, int port, CommandRunner runner) throws IOException {
        removeAll(family, port, runner);
    }

    private void removeAll(Family family, int port, CommandRunner runner) throws IOException {
        String table = Integer.toString(table(port));
        // the rule first: with the table emptied but the rule still there, marked packets would
        // fall through to the main table for a moment, which is harmless; the other way round too
        deleteRepeatedly(runner, ip(family, "rule", "del", "lookup", table));
        runner.run(ip(family, "route", "flush", "table", table)); // fails when the table is empty: fine
        deleteRepeatedly(runner, mangle(family, "-D", "OUTPUT", "-j", markChain(port)));
        deleteRepeatedly(runner, mangle(family, "-D", "PREROUTING", "-j", tproxyChain(port)));
        // t jumps to d, so t goes first
        for (String chain : List.of(tproxyChain(port), markChain(port), divertChain(port))) {
            if (!runner.run(mangle(family, "-S", chain)).ok()) continue;
            runner.run(mangle(family, "-F", chain));
            runner.require(mangle(family, "-X", chain));
        }
    }

    private static void deleteRepeatedly(CommandRunner runner, List<String> delete) throws IOException {
        for (int i = 0; i < MAX_DELETES && runner.run(delete).ok(); i++) {
            // keep deleting
        }
    }

    @SafeVarargs
    private static String[] concat(List<String>... parts) {
        return Stream.of(parts).flatMap(List::stream).toArray(String[]::new);
    }

    private List<String> mangle(Family family, String... args) {
        return Stream.concat(Stream.of(iptables.binary(family), "-w", "-t", "mangle"), Stream.of(args)).toList();
    }

    private List<String> ip(Family family, String... args) {
        return Stream.concat(Stream.of(ip, family == Family.IPV4 ? "-4" : "-6"), Stream.of(args)).toList();
    }
}
