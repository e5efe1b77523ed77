package dev.sshuttle.cli;

import dev.sshuttle.exit.ExitCodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.config.HostResolver;
import dev.sshuttle.firewall.FirewallMethods;
import dev.sshuttle.firewall.HelperCommand;
import dev.sshuttle.testkit.Prerequisites;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --sudoers-no-modify / --sudoers-user: a rule for exactly the helper command, valid for visudo, nothing changed. */
class SudoersRuleTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private boolean clientRan;

    private int run(String... args) {
        Runners runners = new Runners(o -> {
            clientRan = true;
            return 0;
        }, a -> 98, a -> 0);
        return new Main(runners, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of(), HostResolver.SYSTEM, dir).run(args);
    }

    @Test
    void printsOneCommandPerMethodExactlyAsTheClientRunsItForTheUser() throws Exception {
        assertEquals(0, run("--sudoers-no-modify", "--sudoers-user", "alice"));
        String rule = out.toString(StandardCharsets.UTF_8);
        assertTrue(rule.contains("\nalice ALL=(root) NOPASSWD: SSHUTTLE_JAVA_HELPER\n"), rule);
        for (String method : FirewallMethods.NAMES) {
            String command = String.join(" ", HelperCommand.helperArgv(method).stream().map(SudoersRule::escape).toList());
            assertTrue(rule.contains(command), "the helper command for " + method + " in:\n" + rule);
        }
        assertTrue(rule.contains("--enable-native-access\\=ALL-UNNAMED"), "'=' escaped for sudoers: " + rule);
        assertTrue(!clientRan, "no tunnel starts");
    }

    @Test
    void visudoAcceptsTheRuleForAUserAndAGroup() throws Exception {
        Prerequisites.require(Files.isExecutable(Path.of("/usr/sbin/visudo")), "needs /usr/sbin/visudo (package sudo)");
        for (String who : List.of("alice", "%netadmins")) {
            out.reset();
            assertEquals(0, run("--sudoers-no-modify", "--sudoers-user", who));
            Path file = Files.writeString(dir.resolve("rule"), out.toString(StandardCharsets.UTF_8));
            Process check = new ProcessBuilder("/usr/sbin/visudo", "-c", "-f", file.toString()).redirectErrorStream(true).start();
            String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, check.waitFor(), "visudo -c on:\n" + out + "\nsaid: " + said);
        }
    }

    @Test
    void aUserNameWithSudoersSyntaxIsAUsageError() {
        for (String bad : List.of("alice ALL=(ALL) ALL", "bob,root", "", "%", "x\ny")) {
            err.reset();
            assertEquals(ExitCodes.USAGE, run("--sudoers-no-modify", "--sudoers-user", bad), bad);
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("--sudoers-user must be a user name or %group"), err.toString());
        }
        assertEquals(ExitCodes.USAGE, run("--sudoers-user", "alice", "-r", "h", "10.0.0.0/8"));
    }
}
