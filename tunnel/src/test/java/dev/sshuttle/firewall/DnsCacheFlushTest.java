package dev.sshuttle.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * --dns where systemd-resolved runs: the helper flushes its cache once its rules are in and
 * again after they are gone, so no answer cached outside the tunnel, or inside it, outlives the
 * switch. A recording runner stands in for the tools (nothing is run).
 */
class DnsCacheFlushTest {
    private static final List<String> FLUSH = List.of("/usr/bin/resolvectl", "flush-caches");

    private static List<String> run(String nslist, boolean flushFails) {
        List<String> commands = new ArrayList<>();
        CommandRunner recorder = argv -> {
            commands.add(String.join(" ", argv));
            boolean fail = argv.equals(FLUSH) && flushFails || argv.contains("-D"); // -S: every chain "exists"
            return new CommandRunner.Result(argv, fail ? 1 : 0, fail ? "no" : "");
        };
        FirewallHelper.MethodResolver methods = name -> new NatMethod(new Iptables("/usr/sbin/iptables", "/usr/sbin/ip6tables", Iptables.NFT));
        String input = "ROUTES\n2,8,0,10.0.0.0,0,0\nNSLIST\n" + nslist + "PORTS 0,12300,0,12299\nGO 0 - - 0x01 1\n";
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new FirewallHelper(recorder, new PrintStream(err, true, StandardCharsets.UTF_8), methods, port -> () -> { },
                null, FLUSH).serve("nat", new ByteArrayInputStream(input.getBytes(StandardCharsets.US_ASCII)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.US_ASCII));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        if (flushFails) assertTrue(err.toString(StandardCharsets.UTF_8).contains("note: /usr/bin/resolvectl flush-caches failed"));
        return commands;
    }

    @Test
    void flushedAfterTheRulesAreInAndAfterTheyAreGone() {
        List<String> commands = run("2,10.0.0.53\n", false);
        int first = commands.indexOf(String.join(" ", FLUSH));
        int last = commands.lastIndexOf(String.join(" ", FLUSH));
        int lastRedirect = -1;
        int chainGone = -1;
        for (int i = 0; i < commands.size(); i++) {
            if (commands.get(i).contains("-j REDIRECT")) lastRedirect = i;
            if (commands.get(i).contains("-X sshuttle-12300")) chainGone = i;
        }
        assertTrue(first > lastRedirect && lastRedirect >= 0, "after the rules are in: " + commands);
        assertTrue(last > chainGone && chainGone > first, "after they are gone: " + commands);
    }

    @Test
    void withoutDnsCaptureNothingIsFlushedAndAFailingFlushIsOnlyANote() {
        assertTrue(run("", false).stream().noneMatch(c -> c.contains("resolvectl")));
        run("2,10.0.0.53\n", true);
    }
}
