package dev.sshuttle.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a string into words like Python's {@code shlex.split} (POSIX mode), which sshuttle
 * uses for {@code -e/--ssh-cmd} and {@code SSHUTTLE_ARGS}: whitespace separates words; single
 * quotes keep everything literally; double quotes keep everything except that a backslash
 * escapes {@code "} and {@code \}; outside quotes a backslash escapes any character.
 */
public final class ShellWords {
    private ShellWords() {}

    public static List<String> split(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                if (inWord) words.add(word.toString());
                word.setLength(0);
                inWord = false;
                i++;
            } else if (c == '\'') {
                int end = text.indexOf('\'', i + 1);
                if (end < 0) throw unclosed(text);
                word.append(text, i + 1, end);
                inWord = true;
                i = end + 1;
            } else if (c == '"') {
                i = readDoubleQuoted(text, i + 1, word);
                inWord = true;
            } else if (c == '\\') {
                if (i + 1 >= text.length()) throw new BadArgumentException("no character after the final backslash in: " + text);
                word.append(text.charAt(i + 1));
                inWord = true;
                i += 2;
            } else {
                word.append(c);
                inWord = true;
                i++;
            }
        }
        if (inWord) words.add(word.toString());
        return words;
    }

    /** Appends the body of a double-quoted part starting at {@code i}; returns the index after the closing quote. */
    private static int readDoubleQuoted(String text, int i, StringBuilder word) {
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '"') return i + 1;
            if (c == '\\' && i + 1 < text.length() && (text.charAt(i + 1) == '"' || text.charAt(i + 1) == '\\')) {
                word.append(text.charAt(i + 1));
                i += 2;
            } else {
                word.append(c);
                i++;
            }
        }
        throw unclosed(text);
    }

    private static BadArgumentException unclosed(String text) {
        return new BadArgumentException("no closing quotation in: " + text);
    }
}
