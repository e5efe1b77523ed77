package dev.sshuttle.firewall;

import dev.sshuttle.net.IpText;

import dev.sshuttle.net.Family;

import dev.sshuttle.net.SubnetRule;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * sshuttle's {@code nat} method: iptables REDIRECT in the nat table, chain
 * {@code sshuttle-<port>} hooked at position 1 of OUTPUT and PREROUTING (sshuttle 1.1.2's
 * methods/nat.py, in its order: DNS, subnets in first-match order, then RETURN for local destinations). With
 * --user/--group the jumps only take packets the mangle table marked with the port.
 *
 * <p>The rules outside the chain (the jumps, the mangle mark) carry this session's
 * {@link RuleTag} as a comment, and the end of a session deletes only rules with its own tag:
 * a mark rule of the same value that someone else put in stays. The chain is the port's, and
 * the helper holds the port's {@link PortLock} while it has one.
 */
public final class NatMethod implements FirewallMethod {
    /** Bound on deleting duplicate jumps left by crashed runs; far above any real count. */
    private static final int MAX_JUMP_DELETES = 64;
    private final Iptables iptables;
    private final RuleTag tag;

    public NatMethod(Iptables iptables) {
        this(iptables, RuleTag.newSession());
    }

    public NatMethod(Iptables iptables, RuleTag tag) {
        this.iptables = iptables;
        this.tag = tag;
    }

    public Iptables iptables() {
        return iptables;
    }

    @Override
    public String name() {
        return "nat";
    }

    public static String chain(int port) {
        return "sshuttle-" + port;
    }

    @Override
    public List<List<String>> setupCommands(Family family, FirewallRules rules) {
        int port = rules.ports().tcp(family);
        String chain = chain(port);
        List<List<String>> commands = new ArrayList<>();
        commands.add(ipt(family, "-N", chain));
        commands.add(ipt(family, "-F", chain));
        List<String> tagged = List.of("-m", "comment", "--comment", tag.of(port));
        if (rules.owner().isAny()) {
            commands.add(ipt(family, join(List.of("-I", "OUTPUT", "1"), tagged, List.of("-j", chain))));
            commands.add(ipt(family, join(List.of("-I", "PREROUTING", "1"), tagged, List.of("-j", chain))));
        } else {
            // as the original: the owner's sockets get the port as their mark in mangle OUTPUT,
            // and only marked packets enter the chain
            List<String> mark = new ArrayList<>(List.of("-I", "OUTPUT", "1", "-m", "owner"));
            if (rules.owner().uid() != null) mark.addAll(List.of("--uid-owner", rules.owner().uid().toString()));
            if (rules.owner().gid() != null) mark.addAll(List.of("--gid-owner", rules.owner().gid().toString()));
            mark.addAll(tagged);
            mark.addAll(List.of("-j", "MARK", "--set-mark", Integer.toString(port)));
            commands.add(mangle(family, mark.toArray(String[]::new)));
            List<String> marked = List.of("-m", "mark", "--mark", Integer.toString(port));
            commands.add(ipt(family, join(List.of("-I", "OUTPUT", "1"), marked, tagged, List.of("-j", chain))));
            commands.add(ipt(family, join(List.of("-I", "PREROUTING", "1"), marked, tagged, List.of("-j", chain))));
        }
        for (Nameserver ns : rules.nameservers(family)) {
            commands.add(ipt(family, "-A", chain, "-j", "REDIRECT", "--dest", IpText.of(ns.address()),
                    "-p", "udp", "--dport", "53", "--to-ports", Integer.toString(rules.ports().dns(family))));
        }
        for (SubnetRule rule : rules.sortedSubnets(family)) {
            List<String> args = new ArrayList<>(List.of("-A", chain, "-j", rule.exclude() ? "RETURN" : "REDIRECT",
                    "--dest", rule.cidr(), "-p", "tcp"));
            if (!rule.allPorts()) {
                args.add("--dport");
                args.add(rule.firstPort() == rule.lastPort() ? Integer.toString(rule.firstPort())
                        : rule.firstPort() + ":" + rule.lastPort());
            }
            if (!rule.exclude()) {
                args.add("--to-ports");
                args.add(Integer.toString(port));
            }
            commands.add(ipt(family, args.toArray(String[]::new)));
        }
        commands.add(ipt(family, "-A", chain, "-j", "RETURN", "-m", "addrtype", "--dst-type", "LOCAL"));
        return commands;
    }

    @Override
    public void remove(Family family, int port, CommandRunner runner) throws IOException {
        String own = tag.of(port);
        removeTagged(family, runner, own::equals);
        removeChain(family, port, runner);
    }

    @Override
    public void removeStale(Family family, int port, CommandRunner runner) throws IOException {
        removeTagged(family, runner, RuleTag.anySessionOf(port));
        String chain = chain(port);
        if (!runner.run(ipt(family, "-S", chain)).ok()) return; // no such chain: nothing of a crashed run here
        for (String hook : List.of("OUTPUT", "PREROUTING")) {
            // jumps into the port's chain without a tag (versions before tags); the chain cannot go while they exist
            deleteRepeatedly(runner, ipt(family, "-D", hook, "-j", chain));
            deleteRepeatedly(runner, ipt(family, "-D", hook, "-m", "mark", "--mark", Integer.toString(port), "-j", chain));
        }
        removeChain(family, port, runner);
    }

    private void removeChain(Family family, int port, CommandRunner runner) throws IOException {
        String chain = chain(port);
        if (!runner.run(ipt(family, "-S", chain)).ok()) return;
        runner.run(ipt(family, "-F", chain));
        runner.require(ipt(family, "-X", chain));
    }

    private static void deleteRepeatedly(CommandRunner runner, List<String> delete) throws IOException {
        for (int i = 0; i < MAX_JUMP_DELETES && runner.run(delete).ok(); i++) {
            // keep deleting
        }
    }

    /** Deletes the jumps (nat OUTPUT, PREROUTING) and marks (mangle OUTPUT) whose tag {@code matches} accepts. */
    private void removeTagged(Family family, CommandRunner runner, java.util.function.Predicate<String> matches)
            throws IOException {
        for (List<String> table : List.of(ipt(family), mangle(family))) {
            for (String hook : table.contains("mangle") ? List.of("OUTPUT") : List.of("OUTPUT", "PREROUTING")) {
                CommandRunner.Result listed = runner.run(join(table, List.of("-S", hook)));
                if (!listed.ok()) continue;
                for (String rule : listed.output().split("\n")) {
                    List<String> args = RuleTag.deletion(rule.strip(), hook, matches);
                    if (args != null) runner.run(join(table, args));
                }
            }
        }
    }

    @SafeVarargs
    private static List<String> join(List<String>... parts) {
        return Stream.of(parts).flatMap(List::stream).toList();
    }

    private List<String> mangle(Family family, String... args) {
        return Stream.concat(Stream.of(iptables.binary(family), "-w", "-t", "mangle"), Stream.of(args)).toList();
    }

    private List<String> ipt(Family family, List<String> args) {
        return ipt(family, args.toArray(String[]::new));
    }

    List<String> ipt(Family family, String... args) {
        return Stream.concat(Stream.of(iptables.binary(family), "-w", "-t", "nat"), Stream.of(args)).toList();
    }
}
