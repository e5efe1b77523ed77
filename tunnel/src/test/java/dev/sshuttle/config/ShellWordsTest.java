package dev.sshuttle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Expected values are Python's shlex.split. */
class ShellWordsTest {

    @Test
    void splitsLikeShlex() {
        assertEquals(List.of("ssh", "-i", "my key", "-o", "ServerAliveInterval=60"),
                ShellWords.split("ssh -i 'my key'  -o ServerAliveInterval=60"));
        assertEquals(List.of("a b", "c\"d", "e\\f", "g\\h"), ShellWords.split("\"a b\" \"c\\\"d\" \"e\\\\f\" \"g\\h\""));
        assertEquals(List.of("ab cd"), ShellWords.split("a'b c'd"));
        assertEquals(List.of("a", "", "b"), ShellWords.split("a '' b"));
        assertEquals(List.of("x y", "$HOME"), ShellWords.split("x\\ y '$HOME'"));
        assertEquals(List.of("#not-a-comment"), ShellWords.split("#not-a-comment"));
        assertEquals(List.of(), ShellWords.split("   \t\n "));
    }

    @Test
    void unclosedQuotesAndTrailingBackslashAreErrors() {
        assertThrows(BadArgumentException.class, () -> ShellWords.split("ssh 'oops"));
        assertThrows(BadArgumentException.class, () -> ShellWords.split("ssh \"oops"));
        assertThrows(BadArgumentException.class, () -> ShellWords.split("ssh \\"));
    }
}
