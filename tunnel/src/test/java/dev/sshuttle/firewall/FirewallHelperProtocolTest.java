package dev.sshuttle.firewall;

import dev.sshuttle.sys.NeedsRoot;
import dev.sshuttle.sys.Netns;
import dev.sshuttle.testkit.Prerequisites;
import dev.sshuttle.sys.TestNamespace;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The helper's answers to good and bad input. Runs in this JVM; whenever the helper may run a
 * tool, it runs on a thread inside a private namespace (children inherit the thread's namespace).
 */
class FirewallHelperProtocolTest {
    private static final String GO = "GO 0 - - 0x01 1\n";

    /** What one helper run printed and returned. */
    record Outcome(int status, String out, String err) {}

    @Test
    void unknownArgumentIsOneLineAndStatus2() {
        Outcome outcome = run(List.of("--bogus"), "");
        assertEquals(2, outcome.status());
        assertEquals("sshuttle firewall: unknown argument '--bogus'\n", outcome.err());
        assertEquals("", outcome.out());
    }

    @Test
    void unknownMethodIsNamedBeforeReady() {
        Outcome outcome = run(List.of("--method", "pf"), "");
        assertEquals(1, outcome.status());
        assertEquals("", outcome.out());
        assertTrue(outcome.err().contains("unknown firewall method 'pf'"), outcome.err());
    }

    @Test
    void clientSeesAHelperThatDiesBeforeReadyAsAClearError() {
        List<String> helper = List.of(HelperCommand.javaBinary(), "-cp",
                System.getProperty("java.class.path"), FirewallMain.class.getName(), "--method", "pf");
        IOException e = assertThrows(IOException.class, () -> FirewallClient.start(helper, "pf",
                HelperLaunch.rules(HelperLaunch.PORT), Duration.ofSeconds(60)));
        assertTrue(e.getMessage().contains("ended before READY (exit status 1"), e.getMessage());
    }

    @Test
    @NeedsRoot
    void badInputIsOneClearErrorAndNothingStaysInstalled() throws Exception {
        try (TestNamespace ns = namespace()) {
            Outcome badRoute = runIn(ns, List.of("--method", "nat"), "ROUTES\n2,8,0,10.0.0.0,0,0\n2,99,0,10.0.0.0,0,0\n");
            assertEquals(1, badRoute.status());
            assertEquals("READY nat\n", badRoute.out());
            assertEquals(1, badRoute.err().lines().count(), badRoute.err());
            assertTrue(badRoute.err().contains("bad route line '2,99,0,10.0.0.0,0,0'"), badRoute.err());

            Outcome udp = runIn(ns, List.of("--method", "nat"), "ROUTES\nNSLIST\nPORTS 0,12300,0,0\nGO 1 - - 0x01 1\n");
            assertEquals(1, udp.status());
            assertTrue(udp.err().contains("UDP needs the tproxy method"), udp.err());

            Outcome afterStart = runIn(ns, List.of("--method", "nat"),
                    "ROUTES\n2,8,0,10.0.0.0,0,0\nNSLIST\nPORTS 0,12300,0,0\n" + GO + "HOST a,10.0.0.2\nWHAT\n");
            assertEquals(1, afterStart.status());
            assertEquals("READY nat\nSTARTED\n", afterStart.out());
            assertTrue(afterStart.err().contains("unexpected line from client: WHAT"), afterStart.err());
            assertFalse(ns.exec("iptables", "-w", "-t", "nat", "-S").contains("sshuttle"));
        }
    }

    @Test
    @NeedsRoot
    void autoPrefersNatWhereIptablesWorks() throws Exception {
        try (TestNamespace ns = namespace()) {
            assertEquals(new Outcome(0, "READY nat\n", ""), runIn(ns, List.of(), ""));
        }
    }

    @Test
    @NeedsRoot
    void inputEndingBeforeGoInstallsNothingAndExitsZero() throws Exception {
        try (TestNamespace ns = namespace()) {
            Outcome outcome = runIn(ns, List.of("--method", "nat"), "ROUTES\n2,8,0,10.0.0.0,0,0\nNSLIST\n");
            assertEquals(new Outcome(0, "READY nat\n", ""), outcome);
        }
    }

    @Test
    @NeedsRoot
    void hostLinesGoIntoTheHostsFileAndEofRemovesThemAndTheRules() throws Exception {
        Path hosts = Files.writeString(Files.createTempFile("sshj-hosts-", ""), "127.0.0.1 localhost\n");
        try (TestNamespace ns = namespace()) {
            Outcome outcome = Netns.call(ns.name(), () -> run(List.of("--method", "nft"), "ROUTES\n2,8,0,10.0.0.0,0,0\n"
                    + "NSLIST\nPORTS 0,12300,0,0\n" + GO + "HOST box,10.0.0.2\n\nHOST other,10.0.0.3\nHOST bad name,10.0.0.4\n", hosts));
            assertEquals(0, outcome.status(), outcome.err());
            assertEquals("READY nft\nSTARTED\n", outcome.out());
            assertTrue(outcome.err().contains("HOST refused: name 'bad name' is not a host name"), outcome.err());
            assertFalse(ns.exec("nft", "list", "ruleset").contains("sshuttle"));
            assertEquals("127.0.0.1 localhost\n", Files.readString(hosts), "the block is gone at EOF");
        } finally {
            Files.deleteIfExists(hosts);
        }
    }

    /** An Error after the rules are in (out of memory while reading, say) still removes them. */
    @Test
    @NeedsRoot
    void anErrorAfterInstallStillRemovesTheRules() throws Exception {
        try (TestNamespace ns = namespace()) {
            byte[] request = ("ROUTES\n2,8,0,10.0.0.0,0,0\nNSLIST\nPORTS 0,12300,0,0\n" + GO).getBytes(StandardCharsets.US_ASCII);
            java.io.InputStream failing = new java.io.SequenceInputStream(new ByteArrayInputStream(request), new java.io.InputStream() {
                @Override
                public int read() {
                    throw new OutOfMemoryError("test: out of memory while reading");
                }
            });
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Netns.call(ns.name(), () -> {
                try {
                    return FirewallHelper.run(List.of("--method", "nat"), failing,
                            new PrintStream(out, true, StandardCharsets.US_ASCII), new PrintStream(err, true, StandardCharsets.UTF_8));
                } catch (OutOfMemoryError e) {
                    return -1; // the old helper let it through, leaving its rules
                }
            });
            assertFalse(ns.exec("iptables", "-w", "-t", "nat", "-S").contains("sshuttle"), "rules left after an Error");
            assertEquals("READY nat\nSTARTED\n", out.toString(StandardCharsets.US_ASCII));
            assertEquals(1, status, err.toString(StandardCharsets.UTF_8));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("out of memory while reading"), err.toString(StandardCharsets.UTF_8));
        }
    }

    private static TestNamespace namespace() throws IOException {
        Prerequisites.requireRootAndTools("ip", "iptables", "nft");
        return TestNamespace.create();
    }

    private static Outcome runIn(TestNamespace ns, List<String> args, String input) throws Exception {
        return Netns.call(ns.name(), () -> run(args, input));
    }

    /** Every in-process run gets a hosts file of its own: HOST lines must never reach the machine's /etc/hosts. */
    private static Outcome run(List<String> args, String input) {
        try {
            Path hosts = Files.createTempFile("sshj-hosts-", "");
            try {
                return run(args, input, hosts);
            } finally {
                Files.deleteIfExists(hosts);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Outcome run(List<String> args, String input, Path hostsFile) {
        args = new java.util.ArrayList<>(args);
        args.addAll(List.of("--hosts-file", hostsFile.toString()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = FirewallHelper.run(args, new ByteArrayInputStream(input.getBytes(StandardCharsets.US_ASCII)),
                new PrintStream(out, true, StandardCharsets.US_ASCII), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.US_ASCII), err.toString(StandardCharsets.UTF_8));
    }
}
