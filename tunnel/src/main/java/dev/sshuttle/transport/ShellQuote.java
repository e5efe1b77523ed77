package dev.sshuttle.transport;

/** POSIX shell quoting (like Python's shlex.quote): the result is one word to any sh. */
public final class ShellQuote {
    private ShellQuote() {}

    public static String quote(String s) {
        if (s.isEmpty()) return "''";
        if (s.matches("[A-Za-z0-9@%+=:,./_-]+")) return s;
        return "'" + s.replace("'", "'\"'\"'") + "'";
    }
}
