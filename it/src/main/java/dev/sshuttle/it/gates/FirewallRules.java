package dev.sshuttle.it.gates;

import dev.sshuttle.it.sys.Cmd;
import dev.sshuttle.it.topology.Netns;
import dev.sshuttle.testkit.Prerequisites;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assertions;

/**
 * Reads a namespace's firewall (iptables nat and mangle, v4 and v6, and the nft ruleset) and
 * picks out what belongs to sshuttle (chain or table names containing "sshuttle"), and its
 * policy routing (--method tproxy): any {@code ip rule} on a fwmark, any route in a table
 * other than local, main and default. The topology itself has neither.
 */
public final class FirewallRules {
    private static final String MARK = "sshuttle";

    private FirewallRules() {}

    /** Every sshuttle rule, chain or table in ns, each prefixed with the command that listed it. */
    public static List<String> sshuttleRules(Netns ns) {
        List<String> found = new ArrayList<>();
        for (String tool : List.of("iptables", "ip6tables")) {
            if (!Prerequisites.onPath(tool)) continue;
            for (String table : List.of("nat", "mangle")) collect(ns, found, tool, "-t", table, "-S");
        }
        if (Prerequisites.onPath("nft")) collect(ns, found, "nft", "list", "ruleset");
        for (String family : List.of("-4", "-6")) {
            Cmd.Result rules = ns.run("ip", family, "rule", "show");
            rules.stdout().lines().filter(l -> l.contains("fwmark"))
                    .forEach(l -> found.add("ip " + family + " rule: " + l.strip()));
            Cmd.Result routes = ns.run("ip", family, "route", "show", "table", "all");
            routes.stdout().lines().filter(l -> l.contains(" table ") && !l.matches(".* table (local|main|default)\\b.*"))
                    .forEach(l -> found.add("ip " + family + " route: " + l.strip()));
        }
        return found;
    }

    private static void collect(Netns ns, List<String> found, String... argv) {
        Cmd.Result r = ns.run(argv);
        if (!r.ok()) {
            // a table that was never loaded is empty, not an error worth failing over
            if (!r.stderr().contains("does not exist")) found.add(String.join(" ", argv) + ": FAILED " + r.stderr().strip());
            return;
        }
        r.stdout().lines().filter(l -> l.toLowerCase(Locale.ROOT).contains(MARK))
                .forEach(l -> found.add(String.join(" ", argv) + ": " + l.strip()));
    }

    /**
     * Waits (at most `within`) until no sshuttle rule, chain or table is left in ns, and fails
     * naming every one still there. Waiting matters: a firewall helper removes its rules when it
     * sees EOF, which may be a moment after the client process is gone.
     */
    public static void assertNoneLeft(Netns ns, String after, Duration within) {
        Poll.Outcome<List<String>> o = Poll.until(() -> sshuttleRules(ns), List::isEmpty, within);
        if (!o.ok()) {
            List<String> left = o.last() == null ? List.of("(could not list the rules)") : o.last();
            Assertions.fail("firewall rules left in " + ns + " " + within.toSeconds() + " s after " + after
                    + " (" + left.size() + "):\n  " + String.join("\n  ", left));
        }
    }

    /** {@link #assertNoneLeft(Netns, String, Duration)} with 10 s to clean up. */
    public static void assertNoneLeft(Netns ns, String after) {
        assertNoneLeft(ns, after, Duration.ofSeconds(10));
    }
}
