package dev.sshuttle.firewall;

import dev.sshuttle.firewall.InProcessHelper.Outcome;
import dev.sshuttle.it.topology.ScratchNamespace;
import dev.sshuttle.sys.NeedsRoot;
import dev.sshuttle.testkit.Prerequisites;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The helper's answers to input on which it runs tools: in this JVM, on a thread inside a
 * private namespace (children inherit the thread's namespace). Those that run no tool are
 * tunnel's FirewallHelperProtocolTest.
 */
@NeedsRoot
class FirewallHelperProtocolNamespaceTest {
    private static final String GO = "GO 0 - - 0x01 1\n";

    @Test
    void badInputIsOneClearErrorAndNothingStaysInstalled() throws Exception {
        try (ScratchNamespace ns = namespace()) {
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
    void autoPrefersNatWhereIptablesWorks() throws Exception {
        try (ScratchNamespace ns = namespace()) {
            assertEquals(new Outcome(0, "READY nat\n", ""), runIn(ns, List.of(), ""));
        }
    }

    @Test
    void inputEndingBeforeGoInstallsNothingAndExitsZero() throws Exception {
        try (ScratchNamespace ns = namespace()) {
            Outcome outcome = runIn(ns, List.of("--method", "nat"), "ROUTES\n2,8,0,10.0.0.0,0,0\nNSLIST\n");
            assertEquals(new Outcome(0, "READY nat\n", ""), outcome);
        }
    }

    @Test
    void hostLinesGoIntoTheHostsFileAndEofRemovesThemAndTheRules() throws Exception {
        Path hosts = Files.writeString(Files.createTempFile("sshj-hosts-", ""), "127.0.0.1 localhost\n");
        try (ScratchNamespace ns = namespace()) {
            Outcome outcome = ns.netns().call(() -> InProcessHelper.run(List.of("--method", "nft"), "ROUTES\n2,8,0,10.0.0.0,0,0\n"
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
    void anErrorAfterInstallStillRemovesTheRules() throws Exception {
        try (ScratchNamespace ns = namespace()) {
            byte[] request = ("ROUTES\n2,8,0,10.0.0.0,0,0\nNSLIST\nPORTS 0,12300,0,0\n" + GO).getBytes(StandardCharsets.US_ASCII);
            java.io.InputStream failing = new java.io.SequenceInputStream(new ByteArrayInputStream(request), new java.io.InputStream() {
                @Override
                public int read() {
                    throw new OutOfMemoryError("test: out of memory while reading");
                }
            });
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = ns.netns().call(() -> {
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

    private static ScratchNamespace namespace() {
        Prerequisites.requireRootAndTools("ip", "iptables", "nft");
        return ScratchNamespace.create();
    }

    private static Outcome runIn(ScratchNamespace ns, List<String> args, String input) throws Exception {
        return ns.netns().call(() -> InProcessHelper.run(args, input));
    }
}
