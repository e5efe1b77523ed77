package dev.sshuttle.firewall;

import dev.sshuttle.net.IpText;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.sim.fuzz.SeedPlan;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the root helper's line protocol (in the sim module for its shrinker; in the helper's
 * package for its constructor with a recording runner): generated requests (the grammar of
 * {@link HelperLines} with each field now right, now wrong, now carrying shell and iptables
 * syntax: {@code 10.0.0.1 -j ACCEPT}, {@code $(reboot)}, names, zone ids, octal, negative
 * numbers), run through the real {@link FirewallHelper} with a runner that records the tool
 * commands instead of running them. Every word of every command must be a fixed word of the
 * methods or the rendering of a typed value (a canonical IP literal, a CIDR, a number in its
 * range, our chain, table and tag names): no input reaches a command line untyped. Also: the
 * helper answers 0 or 1 with a clear line (never an exception's name), and whatever it set up
 * it removes. Fixed seeds plus a fresh printed base each run; a failure is shrunk to its fewest
 * lines and printed with {@code -Dhelperfuzz.seed=S}.
 */
class HelperLineFuzzTest {
    private static final Set<String> WORDS = Set.of(
            // iptables
            "-w", "-t", "nat", "mangle", "-N", "-F", "-X", "-S", "-I", "-A", "-D", "OUTPUT", "PREROUTING", "-j",
            "REDIRECT", "RETURN", "MARK", "--set-mark", "--dest", "-p", "tcp", "udp", "--dport", "--to-ports", "-m",
            "addrtype", "--dst-type", "LOCAL", "owner", "--uid-owner", "--gid-owner", "mark", "--mark", "comment", "--comment",
            // nft
            "add", "table", "inet", "chain", "flush", "rule", "jump", "meta", "nfproto", "!=", "ipv4", "ipv6", "return",
            "ip", "ip6", "daddr", "redirect", "to", "fib", "type", "local", "l4proto", "dport", "list", "delete",
            "prerouting", "output");
    private static final Set<String> TOOLS = Set.of("/usr/sbin/iptables", "/usr/sbin/ip6tables", "/usr/sbin/nft");
    private static final Pattern NUMBER = Pattern.compile("0|[1-9][0-9]{0,9}");
    private static final Pattern OURS = Pattern.compile("sshuttle-[0-9]{1,5}|sshuttle-ipv[46]-[0-9]{1,5}"
            + "|\"?sshuttle-java-[0-9]{1,5}-[0-9a-f]{1,32}\"?|:[0-9]{1,5}|[0-9]{1,5}:[0-9]{1,5}|\\{ [0-9]{1,5}-[0-9]{1,5} \\}"
            + "|\\{ type nat hook (prerouting|output) priority -100; policy accept; \\}|1");
    private static final Set<String> PORT_OPTIONS = Set.of("--dport", "--to-ports", "--mark", "--set-mark");
    private static final int SHRINK_TESTS_MAX = 200;

    /** What one request did. */
    record Run(List<String> lines, int status, String err, List<List<String>> commands, String violation) {}

    @Test
    void noInputReachesACommandLineUntyped() {
        OptionalLong only = SeedPlan.replay("helperfuzz");
        if (only.isPresent()) {
            Run run = run(generate(only.getAsLong()), only.getAsLong());
            assertTrue(run.violation() == null, describe(run));
            return;
        }
        SeedPlan plan = SeedPlan.fromProperties("helperfuzz", "helperfuzz.requests", 1500, 10_000);
        SeedPlan.Failures failures = new SeedPlan.Failures(2);
        int installed = 0;
        int refused = 0;
        long commands = 0;
        java.util.Map<String, Integer> reasons = new java.util.TreeMap<>();
        for (long seed : plan.seeds()) {
            Run run = run(generate(seed), seed);
            commands += run.commands().size();
            if (run.status() == 0 && run.commands().stream().anyMatch(c -> c.contains("-N") || c.contains("add"))) installed++;
            if (run.status() != 0) {
                refused++;
                reasons.merge(run.err().replaceAll("(?s)^sshuttle firewall: ([^':]*?)( '|:|\\n).*", "$1").strip(), 1, Integer::sum);
            }
            if (run.violation() != null) {
                failures.add(() -> "FAILED -Dhelperfuzz.seed=" + seed + ": " + describe(shrink(run, seed)),
                        "FAILED -Dhelperfuzz.seed=" + seed + ": " + run.violation());
            }
        }
        System.out.printf("helper fuzz: %d requests (%s): %d installed rules, %d refused with one line,"
                        + " %d tool commands checked word by word, %d failed%n",
                plan.size(), plan.describe(), installed, refused, commands, failures.size());
        System.out.println("helper fuzz: refusals by kind " + reasons);
        assertTrue(failures.isEmpty(), failures.toString());
    }

    private static Run shrink(Run failed, long seed) {
        String kind = failed.violation().replaceAll(":.*", "");
        List<String> lines = dev.sshuttle.sim.Shrinker.ddmin(failed.lines(),
                l -> { String v = run(l, seed).violation(); return v != null && v.startsWith(kind); }, SHRINK_TESTS_MAX);
        return run(lines, seed);
    }

    private static String describe(Run run) {
        StringBuilder b = new StringBuilder(String.valueOf(run.violation())).append("\n  input:");
        for (String l : run.lines()) b.append("\n    ").append(l);
        b.append("\n  exit ").append(run.status()).append(", stderr: ").append(run.err().strip());
        for (List<String> c : run.commands()) b.append("\n    $ ").append(String.join(" ", c));
        return b.toString();
    }

    // ------------------------------------------------------------------ running one request

    static Run run(List<String> lines, long seed) {
        Random r = new Random(seed ^ 0x5eed);
        int failAt = r.nextInt(4) == 0 ? r.nextInt(30) : -1; // now and then a rule the tool rejects
        List<List<String>> commands = new ArrayList<>();
        CommandRunner recorder = argv -> {
            commands.add(argv);
            boolean setupStep = argv.contains("-A") || argv.contains("rule") && argv.contains("add");
            if (setupStep && commands.size() - 1 == failAt) return new CommandRunner.Result(argv, 1, "rejected");
            String everything = String.join("\n", commands.stream().map(c -> String.join(" ", c)).toList());
            if (argv.contains("list")) return new CommandRunner.Result(argv, 0, everything);
            if (argv.contains("-D")) return new CommandRunner.Result(argv, 1, "no such rule"); // nothing stale here
            if (argv.contains("-S") && argv.getLast().startsWith("sshuttle-")) { // a chain exists once made
                boolean made = commands.stream().anyMatch(c -> c.contains("-N") && c.getLast().equals(argv.getLast()));
                return new CommandRunner.Result(argv, made ? 0 : 1, "");
            }
            return new CommandRunner.Result(argv, 0, "");
        };
        FirewallHelper.MethodResolver methods = name -> switch (name) {
            case "nat", "auto" -> new NatMethod(new Iptables("/usr/sbin/iptables", "/usr/sbin/ip6tables", Iptables.NFT));
            case "nft" -> new NftMethod("/usr/sbin/nft");
            default -> throw new FirewallException("unknown firewall method '" + name + "'");
        };
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String input = String.join("\n", lines) + "\n";
        int status;
        try (PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
             PrintStream outStream = new PrintStream(out, true, StandardCharsets.US_ASCII)) {
            status = new FirewallHelper(recorder, errStream, methods, port -> () -> { })
                    .serve("auto", new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), outStream);
        }
        String errText = err.toString(StandardCharsets.UTF_8);
        return new Run(lines, status, errText, commands, check(status, errText, commands, failAt >= 0));
    }

    private static String check(int status, String err, List<List<String>> commands, boolean injectedFailure) {
        for (List<String> command : commands) {
            if (!TOOLS.contains(command.getFirst())) return "untyped: tool " + command.getFirst();
            for (int i = 1; i < command.size(); i++) {
                String word = command.get(i);
                if (!typed(word)) return "untyped: word '" + word + "' in " + String.join(" ", command);
                if (i > 1 && PORT_OPTIONS.contains(command.get(i - 1)) && NUMBER.matcher(word).matches()
                        && (Long.parseLong(word) < 1 || Long.parseLong(word) > 65535)) {
                    return "range: port " + word + " in " + String.join(" ", command);
                }
            }
        }
        if (status != 0 && status != 1) return "status: " + status;
        if (err.contains("Exception") || err.contains("\tat ")) return "unclear: " + err.strip();
        if (status == 1 && err.isBlank()) return "unclear: status 1 with nothing said";
        // whatever was set up is removed at the end
        for (List<String> c : commands) {
            String made = c.contains("-N") ? c.get(c.indexOf("-N") + 1)
                    : c.size() > 3 && c.get(1).equals("add") && c.get(2).equals("table") ? c.get(4) : null;
            if (made == null) continue;
            boolean removed = commands.stream().anyMatch(d -> d.contains("-X") && d.contains(made)
                    || d.contains("delete") && d.contains(made));
            if (!removed) return "left: " + made + " is never removed" + (injectedFailure ? " (after a rejected rule)" : "");
        }
        return null;
    }

    private static boolean typed(String word) {
        if (WORDS.contains(word) || NUMBER.matcher(word).matches() && word.length() <= 10 || OURS.matcher(word).matches()) return true;
        int slash = word.indexOf('/');
        String address = slash < 0 ? word : word.substring(0, slash);
        if (slash >= 0 && !NUMBER.matcher(word.substring(slash + 1)).matches()) return false;
        try {
            return IpText.of(InetAddress.ofLiteral(address)).equals(address); // canonical, as we render it
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ generating requests

    private static final String[] IPS = {"10.0.0.0", "192.168.1.0", "0.0.0.0", "fd00::", "2001:db8::1", "::ffff:1.2.3.4",
            "10.0.0.1 -j ACCEPT", "$(reboot)", "`id`", "host.example", "", "1.2.3.4/8", "0x7f.0.0.1", "010.0.0.1", "1.2.3",
            "fe80::1%eth0", "[::1]", "::1", "127.0.0.1", "1.2.3.4;ls", "-j", "--help", "2001:DB8::0:1", "1.2.3.4\t"};
    private static final String[] NUMBERS = {"0", "1", "8", "24", "32", "33", "64", "128", "129", "-1", "80", "65535", "65536",
            "99999999999", "+5", "0x10", " 8", "8 ", "", "x", "1-2", "80;", "007"};
    private static final String[] FAMILIES = {"2", "10", "0", "-1", "x", "2 ", "23", ""};
    private static final String[] METHODS = {"nat", "nft", "auto", "tproxy", "nat; id", "--help", "", "NAT"};

    static List<String> generate(long seed) {
        Random r = new Random(seed);
        int odds = r.nextInt(3) == 0 ? 5 : 80; // one field in 5 hostile, or one in 80 (most requests get through)
        List<String> lines = new ArrayList<>();
        if (r.nextInt(4) == 0) lines.add("METHOD " + field(r, odds, METHODS, r.nextBoolean() ? "nat" : "nft"));
        lines.add("ROUTES");
        for (int i = r.nextInt(6); i > 0; i--) {
            boolean v6 = r.nextBoolean();
            lines.add(field(r, odds, FAMILIES, v6 ? "10" : "2") + "," + field(r, odds, NUMBERS, v6 ? "64" : "24") + ","
                    + field(r, odds, new String[] {"0", "1", "2", "", "true"}, r.nextBoolean() ? "0" : "1") + ","
                    + field(r, odds, IPS, v6 ? "fd00::" : "10.0.0.0") + "," + field(r, odds, NUMBERS, "0") + "," + field(r, odds, NUMBERS, "0"));
        }
        lines.add("NSLIST");
        for (int i = r.nextInt(3); i > 0; i--) lines.add(field(r, odds, FAMILIES, "2") + "," + field(r, odds, IPS, "10.0.0.53"));
        lines.add("PORTS " + field(r, odds, NUMBERS, "12300") + "," + field(r, odds, NUMBERS, "12300") + "," + field(r, odds, NUMBERS, "0") + ","
                + field(r, odds, NUMBERS, "12299"));
        String owner = r.nextInt(3) == 0 ? field(r, odds, NUMBERS, "1000") : "-";
        String group = r.nextInt(4) == 0 ? field(r, odds, NUMBERS, "100") : "-";
        lines.add(r.nextInt(odds) == 0 ? "GO " + pick(r, NUMBERS) + " " + owner + " 0x01 1"
                : "GO " + field(r, odds, NUMBERS, "0") + " " + owner + " " + group + " 0x01 " + field(r, odds, NUMBERS, "1"));
        for (int i = r.nextInt(3); i > 0; i--) lines.add(r.nextInt(odds) == 0 ? pick(r, IPS) : "HOST a,10.0.0.1");
        if (r.nextInt(5) == 0) mutate(r, lines);
        return lines;
    }

    /** One twist: a character inserted, a line dropped or doubled, the input cut short. */
    private static void mutate(Random r, List<String> lines) {
        int at = r.nextInt(lines.size());
        switch (r.nextInt(4)) {
            case 0 -> {
                String l = lines.get(at);
                int pos = l.isEmpty() ? 0 : r.nextInt(l.length() + 1);
                lines.set(at, l.substring(0, pos) + " ;|&$`,-\t".charAt(r.nextInt(9)) + l.substring(pos));
            }
            case 1 -> lines.remove(at);
            case 2 -> lines.add(at, lines.get(at));
            default -> lines.subList(at, lines.size()).clear();
        }
        if (lines.isEmpty()) lines.add("");
    }

    /** Mostly the right value, sometimes one from the hostile list. */
    private static String field(Random r, int odds, String[] hostile, String right) {
        return r.nextInt(odds) == 0 ? pick(r, hostile) : right;
    }

    private static String pick(Random r, String[] choices) {
        return choices[r.nextInt(choices.length)];
    }
}
