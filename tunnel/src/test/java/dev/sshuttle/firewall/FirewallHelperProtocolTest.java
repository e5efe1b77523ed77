package dev.sshuttle.firewall;

import dev.sshuttle.firewall.InProcessHelper.Outcome;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The helper's answers to input on which it runs no tool, in this JVM. Those on which it runs
 * tools need a namespace of their own: the it module's FirewallHelperProtocolNamespaceTest.
 */
class FirewallHelperProtocolTest {

    @Test
    void unknownArgumentIsOneLineAndStatus2() {
        Outcome outcome = InProcessHelper.run(List.of("--bogus"), "");
        assertEquals(2, outcome.status());
        assertEquals("sshuttle firewall: unknown argument '--bogus'\n", outcome.err());
        assertEquals("", outcome.out());
    }

    @Test
    void unknownMethodIsNamedBeforeReady() {
        Outcome outcome = InProcessHelper.run(List.of("--method", "pf"), "");
        assertEquals(1, outcome.status());
        assertEquals("", outcome.out());
        assertTrue(outcome.err().contains("unknown firewall method 'pf'"), outcome.err());
    }

    @Test
    void clientSeesAHelperThatDiesBeforeReadyAsAClearError() {
        List<String> helper = List.of(HelperCommand.javaBinary(), "-cp",
                System.getProperty("java.class.path"), FirewallMain.class.getName(), "--method", "pf");
        IOException e = assertThrows(IOException.class, () -> FirewallClient.start(helper, "pf",
                RuleFixtures.capturedV4(), Duration.ofSeconds(60)));
        assertTrue(e.getMessage().contains("ended before READY (exit status 1"), e.getMessage());
    }
}
