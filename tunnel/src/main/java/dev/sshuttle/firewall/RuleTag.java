package dev.sshuttle.firewall;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;

/**
 * The owner of a rule: {@code sshuttle-java-<port>-<session>}, put on the rules as a comment.
 * The session is random per helper run, so a run deletes exactly what it put in; a crashed
 * run's rules are recognised by the port part ({@link #anySessionOf}). Letters, digits and
 * dashes only, so the comment reads back from {@code iptables -S} as one word.
 */
public record RuleTag(String session) {
    private static final String PREFIX = "sshuttle-java-";

    public RuleTag {
        if (!session.matches("[0-9a-f]{1,32}")) throw new IllegalArgumentException("session " + session);
    }

    public static RuleTag newSession() {
        byte[] random = new byte[8];
        new SecureRandom().nextBytes(random);
        return new RuleTag(HexFormat.of().formatHex(random));
    }

    /** The comment on this session's rules for the port. */
    public String of(int port) {
        return PREFIX + port + "-" + session;
    }

    /** Accepts the tag of any session's rules for the port. */
    public static Predicate<String> anySessionOf(int port) {
        String prefix = PREFIX + port + "-";
        return t -> t.startsWith(prefix) && t.substring(prefix.length()).matches("[0-9a-f]{1,32}");
    }

    /**
     * {@code iptables -S} line {@code -A <hook> ... --comment <tag> ...} turned into the
     * arguments that delete it ({@code -D <hook> ...}), when its tag is one {@code matches}
     * accepts; null for any other line (rules that are not ours are never touched).
     */
    static List<String> deletion(String rule, String hook, Predicate<String> matches) {
        List<String> words = new ArrayList<>(List.of(rule.split(" +")));
        if (words.size() < 2 || !words.get(0).equals("-A") || !words.get(1).equals(hook)) return null;
        int comment = words.indexOf("--comment");
        if (comment < 0 || comment + 1 >= words.size()) return null;
        String tag = words.get(comment + 1).replace("\"", "");
        if (!matches.test(tag)) return null;
        words.set(0, "-D");
        words.set(comment + 1, tag);
        return words;
    }
}
