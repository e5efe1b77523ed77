package dev.sshuttle.config;

/**
 * The ssh target of {@code -r [user[:password]@]host[:port]}. The port is 0 when none was
 * given, so ssh's own configuration (~/.ssh/config) decides, as in sshuttle. The host may be
 * an ssh alias, a name, or an address (IPv6 without brackets).
 */
public record RemoteTarget(String user, String password, String host, int port) {

    public RemoteTarget {
        if (host == null || host.isEmpty()) throw new IllegalArgumentException("host is empty");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port);
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return (user == null ? "" : user + (password == null ? "" : ":***") + "@")
                + (host.indexOf(':') >= 0 && port != 0 ? "[" + host + "]" : host)
                + (port == 0 ? "" : ":" + port);
    }

    public boolean hasPort() {
        return port != 0;
    }

    /** {@code user@host} or {@code host}: ssh's destination argument. */
    public String destination() {
        return user == null ? host : user + "@" + host;
    }

    /**
     * Parses sshuttle's {@code -r} value ({@code ssh.py: parse_hostport}); {@code ""} and
     * {@code "-"} mean no remote and give null.
     */
    public static RemoteTarget parse(String text) {
        if (text == null || text.isEmpty() || text.equals("-")) return null;
        String user = null;
        String password = null;
        String rest = text;
        int at = text.lastIndexOf('@');
        if (at >= 0) {
            user = text.substring(0, at);
            rest = text.substring(at + 1);
            int colon = user.indexOf(':');
            if (colon >= 0) {
                password = user.substring(colon + 1);
                user = user.substring(0, colon);
            }
            if (user.isEmpty()) user = null;
            if (password != null && password.isEmpty()) password = null;
        }
        // ssh reads an argument that starts with '-' as one of its options (-oProxyCommand=... runs
        // a command), wherever it stands before the "--"
        if (rest.startsWith("-") || rest.startsWith("[-") || (user != null && user.startsWith("-"))) {
            throw bad(text, "a user or host must not start with '-' (ssh would read it as an option)");
        }
        String host = rest;
        int port = 0;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) throw bad(text, "missing ']'");
            host = rest.substring(1, close);
            String after = rest.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) throw bad(text, "expected ':port' after ']'");
                port = parsePort(after.substring(1), text);
            }
            if (host.indexOf(':') < 0) throw bad(text, "brackets are for IPv6 addresses");
        } else {
            long colons = rest.chars().filter(c -> c == ':').count();
            if (colons == 1) {
                int colon = rest.indexOf(':');
                host = rest.substring(0, colon);
                port = parsePort(rest.substring(colon + 1), text);
            } else if (colons > 1 && !looksLikeIpv6(rest)) {
                throw bad(text, "write an IPv6 address with a port as [addr]:port");
            }
        }
        if (host.isEmpty()) throw bad(text, "no host");
        if (host.chars().anyMatch(c -> Character.isWhitespace(c) || c == '/' || c == '@')) {
            throw bad(text, "'" + host + "' is not a host name or address");
        }
        return new RemoteTarget(user, password, host, port);
    }

    private static boolean looksLikeIpv6(String s) {
        return s.matches("[0-9A-Fa-f:.]+(%[\\w.\\-]+)?");
    }

    private static int parsePort(String digits, String text) {
        if (!digits.matches("\\d{1,5}")) throw bad(text, "the port '" + digits + "' is not a number");
        int port = Integer.parseInt(digits);
        if (port < 1 || port > 65535) throw bad(text, "the port " + port + " is not between 1 and 65535");
        return port;
    }

    private static BadArgumentException bad(String text, String why) {
        return new BadArgumentException("bad -r/--remote '" + text + "': " + why
                + " (expected [user@]host[:port], IPv6 as [addr]:port)");
    }
}
