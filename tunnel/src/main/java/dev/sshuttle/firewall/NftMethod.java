package dev.sshuttle.firewall;

import dev.sshuttle.net.IpText;

import dev.sshuttle.net.Family;

import dev.sshuttle.net.SubnetRule;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * sshuttle's {@code nft} method: one {@code inet} table per family and port,
 * {@code sshuttle-ipv4-<port>} / {@code sshuttle-ipv6-<port>}, with nat chains on the output and
 * prerouting hooks jumping to a chain of the table's name (sshuttle 1.1.2's methods/nft.py). The jumps carry
 * this session's {@link RuleTag} as a comment; the end of a session deletes the table only
 * while it carries its own tag. The table is the port's, and the helper holds the port's
 * {@link PortLock} while it has one.
 */
public final class NftMethod implements FirewallMethod {
    private final String nft;
    private final RuleTag tag;

    public NftMethod(String nftBinary, RuleTag tag) {
        this.nft = nftBinary;
        this.tag = tag;
    }

    public NftMethod(String nftBinary) {
        this(nftBinary, RuleTag.newSession());
    }

    public NftMethod() {
        this("nft");
    }

    @Override
    public String name() {
        return "nft";
    }

    /** The nft program this method runs. */
    public String binary() {
        return nft;
    }

    /** nft's nfproto word for the family, also the family's part of the table name. */
    static String nfproto(Family family) {
        return family == Family.IPV4 ? "ipv4" : "ipv6";
    }

    /** nft's address-match keyword: ip daddr / ip6 daddr. */
    static String addressKeyword(Family family) {
        return family == Family.IPV4 ? "ip" : "ip6";
    }

    public static String table(Family family, int port) {
        return "sshuttle-" + nfproto(family) + "-" + port;
    }

    @Override
    public List<List<String>> setupCommands(Family family, FirewallRules rules) {
        int port = rules.ports().tcp(family);
        String table = table(family, port);
        List<List<String>> commands = new ArrayList<>();
        commands.add(nft("add", "table", "inet", table));
        for (String hook : List.of("prerouting", "output")) {
            commands.add(nft("add", "chain", "inet", table, hook,
                    "{ type nat hook " + hook + " priority -100; policy accept; }"));
        }
        commands.add(nft("add", "chain", "inet", table, table));
        commands.add(nft("flush", "chain", "inet", table, table));
        String comment = "\"" + tag.of(port) + "\"";
        commands.add(rule(table, "output", "jump", table, "comment", comment));
        commands.add(rule(table, "prerouting", "jump", table, "comment", comment));
        commands.add(rule(table, table, "meta", "nfproto", "!=", nfproto(family), "return"));
        for (Nameserver ns : rules.nameservers(family)) {
            commands.add(rule(table, table, addressKeyword(family), "daddr", IpText.of(ns.address()),
                    "udp", "dport", "53", "redirect", "to", ":" + rules.ports().dns(family)));
        }
        commands.add(rule(table, table, "fib", "daddr", "type", "local", "return"));
        for (SubnetRule subnet : rules.sortedSubnets(family)) {
            List<String> args = new ArrayList<>(List.of("meta", "nfproto", nfproto(family)));
            if (subnet.allPorts()) {
                args.addAll(List.of("meta", "l4proto", "tcp"));
            } else if (subnet.firstPort() == subnet.lastPort()) {
                args.addAll(List.of("tcp", "dport", Integer.toString(subnet.firstPort())));
            } else {
                args.addAll(List.of("tcp", "dport", "{ " + subnet.firstPort() + "-" + subnet.lastPort() + " }"));
            }
            args.addAll(List.of(addressKeyword(family), "daddr", subnet.cidr()));
            args.addAll(subnet.exclude() ? List.of("return") : List.of("redirect", "to", ":" + port));
            commands.add(rule(table, table, args.toArray(String[]::new)));
        }
        return commands;
    }

    @Override
    public void remove(Family family, int port, CommandRunner runner) throws IOException {
        String table = table(family, port);
        CommandRunner.Result listed = runner.run(nft("list", "table", "inet", table));
        if (listed.ok() && listed.output().contains("\"" + tag.of(port) + "\"")) {
            runner.require(nft("delete", "table", "inet", table));
        }
    }

    @Override
    public void removeStale(Family family, int port, CommandRunner runner) throws IOException {
        String table = table(family, port);
        if (runner.run(nft("list", "table", "inet", table)).ok()) {
            runner.require(nft("delete", "table", "inet", table));
        }
    }

    private List<String> rule(String table, String chain, String... args) {
        return Stream.concat(Stream.of(nft, "add", "rule", "inet", table, chain), Stream.of(args)).toList();
    }

    private List<String> nft(String... args) {
        return Stream.concat(Stream.of(nft), Stream.of(args)).toList();
    }
}
