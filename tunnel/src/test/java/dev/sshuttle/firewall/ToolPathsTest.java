package dev.sshuttle.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.sys.NeedsRoot;
import dev.sshuttle.testkit.Prerequisites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The root helper runs firewall tools from fixed, root-owned places only, never through a PATH. */
class ToolPathsTest {
    @TempDir
    Path dir;

    private Path tool(Path in, String perms) throws IOException {
        Files.createDirectories(in);
        Path t = Files.writeString(in.resolve("iptables"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString(perms));
        return t;
    }

    @Test
    @NeedsRoot
    void theHelpersToolsAreAbsoluteAndFromTheSystemDirectories() throws Exception {
        Prerequisites.requireRootAndTools("iptables", "nft");
        ProcessRunner runner = new ProcessRunner();
        Iptables iptables = Iptables.detect(runner, null);
        assertTrue(iptables.v4().startsWith("/") && iptables.v6().startsWith("/"), iptables.toString());
        NftMethod nft = (NftMethod) FirewallMethods.resolve("nft", runner, null);
        assertTrue(nft.binary().startsWith("/"), nft.binary());
        NatMethod nat = (NatMethod) FirewallMethods.resolve("nat", runner, null);
        assertEquals(iptables, nat.iptables());
    }

    @Test
    @NeedsRoot
    void aToolOthersCanWriteIsNotTrusted() throws IOException {
        Prerequisites.requireRootAndTools("iptables");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path ok = dir.resolve("ok");
        tool(ok, "rwxr-xr-x");
        Files.setPosixFilePermissions(ok, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(ok.resolve("iptables").toString(), ToolPaths.find("iptables", List.of(ok)));

        Path writableFile = dir.resolve("wf");
        tool(writableFile, "rwxrwxrwx");
        Files.setPosixFilePermissions(writableFile, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertNull(ToolPaths.find("iptables", List.of(writableFile)));

        Path writableDir = dir.resolve("wd");
        tool(writableDir, "rwxr-xr-x");
        Files.setPosixFilePermissions(writableDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertNull(ToolPaths.find("iptables", List.of(writableDir)));

        // a trusted-looking link to a file others may write
        Path linkDir = Files.createDirectories(dir.resolve("ld"));
        Files.setPosixFilePermissions(linkDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(linkDir.resolve("iptables"), writableFile.resolve("iptables"));
        assertNull(ToolPaths.find("iptables", List.of(linkDir)));

        assertEquals(ok.resolve("iptables").toString(), ToolPaths.find("iptables", List.of(writableDir, linkDir, ok)));
    }

    @Test
    void theRunnerGivesToolsAFixedPath() throws IOException {
        ProcessRunner runner = new ProcessRunner();
        String path = runner.run(List.of("/usr/bin/env")).output().lines()
                .filter(l -> l.startsWith("PATH=")).findFirst().orElse("");
        assertEquals("PATH=" + ToolPaths.SAFE_PATH, path);
    }
}
