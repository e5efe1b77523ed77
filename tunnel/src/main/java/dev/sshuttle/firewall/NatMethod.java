package dev.sshuttle.firewall;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * sshuttle's {@code nat} method: iptables REDIRECT in the nat table, chain
 * {@code sshuttle-<port>} hooked at position 1 of OUTPUT and PREROUTING (sshuttle.md 3.1,
 * 1.1.2 order: DNS, subnets in first-match order, then RETURN for local destinations). With
 * --user/--group the jumps only take packets the mangle table marked with the port.
 */
public final class NatMethod implements FirewallMethod {
    /** Bound on deleting duplicate jumps left by crashed runs; far above any real count. */
    private static final int MAX_JUMP_DELETES = 64;
    private final Iptables iptables;

    public NatMethod(Iptables iptables) {
        this.iptables = iptables;
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
        if (rules.owner().isAny()) {
            commands.add(ipt(family, "-I", "OUTPUT", "1", "-j", chain));
            commands.add(ipt(family, "-I", "PREROUTING", "1", "-j", chain));
        } else {
            // as the original: the owner's sockets get the port as their mark in mangle OUTPUT,
            // and only marked packets enter the chain
            List<String> mark = new ArrayList<>(List.of("-I", "OUTPUT", "1", "-m", "owner"));
            if (rules.owner().uid() != null) mark.addAll(List.of("--uid-owner", rules.owner().uid().toString()));
            if (rules.owner().gid() != null) mark.addAll(List.of("--gid-owner", rules.owner().gid().toString()));
            mark.addAll(List.of("-j", "MARK", "--set-mark", Integer.toString(port)));
            commands.add(mangle(family, mark.toArray(String[]::new)));
            commands.add(ipt(family, "-I", "OUTPUT", "1", "-m", "mark", "--mark", Integer.toString(port), "-j", chain));
            commands.add(ipt(family, "-I", "PREROUTING", "1", "-m", "mark", "--mark", Integer.toString(port), "-j", chain));
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
    public void restore(Family family, int port, CommandRunner runner) throws IOException {
        String chain = chain(port);
        if (!runner.run(ipt(family, "-S", chain)).ok()) return; // no such chain: nothing of ours here
        String mark = Integer.toString(port);
        for (String hook : List.of("OUTPUT", "PREROUTING")) {
            // a crashed run may have left the jump twice; -D removes one per call. Either form:
            // a stale run's --user/--group is not known here
            deleteRepeatedly(runner, ipt(family, "-D", hook, "-j", chain));
            deleteRepeatedly(runner, ipt(family, "-D", hook, "-m", "mark", "--mark", mark, "-j", chain));
        }
        deleteOwnerMarks(family, port, runner);
        runner.run(ipt(family, "-F", chain));
        runner.require(ipt(family, "-X", chain));
    }

    private static void deleteRepeatedly(CommandRunner runner, List<String> delete) throws IOException {
        for (int i = 0; i < MAX_JUMP_DELETES && runner.run(delete).ok(); i++) {
            // keep deleting
        }
    }

    /** Deletes mangle OUTPUT rules that mark with this port (--user/--group), whoever they were for. */
    private void deleteOwnerMarks(Family family, int port, CommandRunner runner) throws IOException {
        CommandRunner.Result listed = runner.run(mangle(family, "-S", "OUTPUT"));
        if (!listed.ok()) return;
        String setMark = "-j MARK --set-xmark 0x" + Integer.toHexString(port) + "/0xffffffff";
        for (String rule : listed.output().split("\n")) {
            rule = rule.strip();
            if (!rule.startsWith("-A OUTPUT ") || !rule.endsWith(setMark)) continue;
            List<String> args = new ArrayList<>(List.of(rule.split(" +")));
            args.set(0, "-D");
            runner.run(mangle(family, args.toArray(String[]::new)));
        }
    }

    private List<String> mangle(Family family, String... args) {
        return Stream.concat(Stream.of(iptables.binary(family), "-w", "-t", "mangle"), Stream.of(args)).toList();
    }

    List<String> ipt(Family family, String... args) {
        return Stream.concat(Stream.of(iptables.binary(family), "-w", "-t", "nat"), Stream.of(args)).toList();
    }
}
