package dev.sshuttle.firewall;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HelperCommandTest {

    @Test
    void fromClassDirectoriesItRunsTheCliMainOnTheClassPath() throws IOException {
        List<String> command = HelperCommand.forThisProgram("nft");
        int java = command.indexOf(HelperCommand.javaBinary());
        // as root no sudo/doas; otherwise exactly the prefix before java
        assertEquals(HelperCommand.isRoot() ? List.of() : HelperCommand.privilegePrefix(), command.subList(0, java));
        List<String> tail = command.subList(command.size() - 6, command.size());
        assertEquals(List.of("-cp", System.getProperty("java.class.path"), HelperCommand.MAIN_CLASS,
                "--firewall", "--method", "nft"), tail);
    }

    @Test
    void theHelperUsesTheLaunchersAotCacheOnlyWhenTheFileIsThere(@TempDir Path dir) throws IOException {
        Path cache = dir.resolve("sshuttle.aot");
        assertEquals(List.of(), HelperCommand.aotCache(cache.toString()), "no file yet");
        assertEquals(List.of(), HelperCommand.aotCache(null));
        assertEquals(List.of(), HelperCommand.aotCache(""));
        Files.write(cache, new byte[] {1});
        assertEquals(List.of("-XX:AOTCache=" + cache), HelperCommand.aotCache(cache.toString()));
    }
}
