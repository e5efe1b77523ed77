package dev.sshuttle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArgsExpanderTest {

    @Test
    void argsFileOneArgumentPerLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("args");
        Files.writeString(file, """
                # my tunnel
                --remote
                  me@host  \s
                '--ssh-cmd=ssh -i key'
                "10.0.0.0/8"
                'unbalanced"

                -v
                """);
        assertEquals(List.of("-N", "--remote", "me@host", "--ssh-cmd=ssh -i key", "10.0.0.0/8", "'unbalanced\"", "-v", "-x", "1.2.3.4"),
                ArgsExpander.expand(List.of("-N", "@" + file, "-x", "1.2.3.4"), null));
    }

    @Test
    void nestedFilesExpandAndLoopsStop(@TempDir Path dir) throws IOException {
        Path inner = dir.resolve("inner");
        Path outer = dir.resolve("outer");
        Files.writeString(inner, "-v\n");
        Files.writeString(outer, "@" + inner + "\n-N\n");
        assertEquals(List.of("-v", "-N"), ArgsExpander.expand(List.of("@" + outer), null));

        Path loop = dir.resolve("loop");
        Files.writeString(loop, "@" + loop + "\n");
        var e = assertThrows(BadArgumentException.class, () -> ArgsExpander.expand(List.of("@" + loop), null));
        assertTrue(e.getMessage().contains("nested"), e.getMessage());
    }

    @Test
    void missingArgsFileIsOneLine(@TempDir Path dir) {
        var e = assertThrows(BadArgumentException.class,
                () -> ArgsExpander.expand(List.of("@" + dir.resolve("none")), null));
        assertTrue(e.getMessage().contains("cannot read arguments file") && e.getMessage().contains("no such file"),
                e.getMessage());
    }

    @Test
    void environmentWordsComeFirstAndMayNameFiles(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("f");
        Files.writeString(file, "--dns\n");
        assertEquals(List.of("-e", "ssh -p 2222", "--dns", "-r", "h", "0/0"),
                ArgsExpander.expand(List.of("-r", "h", "0/0"), "-e 'ssh -p 2222' @" + file));
    }

    @Test
    void aLoneAtIsAnArgument() {
        assertEquals(List.of("@"), ArgsExpander.expand(List.of("@"), "  "));
    }

    @Test
    void badEnvironmentQuotingNamesTheVariable() {
        var e = assertThrows(BadArgumentException.class, () -> ArgsExpander.expand(List.of(), "-e 'ssh"));
        assertTrue(e.getMessage().startsWith("SSHUTTLE_ARGS"), e.getMessage());
    }
}
