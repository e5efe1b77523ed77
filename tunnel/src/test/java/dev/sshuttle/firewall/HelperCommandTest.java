package dev.sshuttle.firewall;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

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
}
