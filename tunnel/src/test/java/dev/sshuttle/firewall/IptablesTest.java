package dev.sshuttle.firewall;

import dev.sshuttle.sys.NeedsRoot;
import dev.sshuttle.testkit.Prerequisites;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backend detection only runs {@code -V}, which reads no rules and changes nothing. */
@NeedsRoot
class IptablesTest {
    private final ProcessRunner runner = new ProcessRunner();

    @Test
    void systemBackendIsWhatIptablesVersionSays() throws Exception {
        Prerequisites.requireRootAndTools("iptables", "ip6tables");
        String version = runner.require(List.of("iptables", "-V")).output();
        Iptables detected = Iptables.detect(runner, null);
        assertEquals(ToolPaths.find("iptables"), detected.v4());
        assertTrue(version.contains("(" + detected.backend() + ")"), version + " vs " + detected);
    }

    @Test
    void aPinnedBackendUsesItsOwnBinariesForBothFamilies() throws Exception {
        Prerequisites.requireRootAndTools("iptables-legacy", "iptables-nft");
        assertEquals(new Iptables(ToolPaths.find("iptables-legacy"), ToolPaths.find("ip6tables-legacy"), Iptables.LEGACY),
                Iptables.detect(runner, "legacy"));
        assertEquals(new Iptables(ToolPaths.find("iptables-nft"), ToolPaths.find("ip6tables-nft"), Iptables.NFT),
                Iptables.detect(runner, "nft"));
    }

    @Test
    void anUnknownBackendIsNamed() {
        FirewallException e = assertThrows(FirewallException.class, () -> Iptables.detect(runner, "xt"));
        assertEquals("unknown iptables backend 'xt' (use legacy or nft)", e.getMessage());
    }
}
