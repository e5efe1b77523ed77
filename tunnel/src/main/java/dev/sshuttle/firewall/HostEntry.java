package dev.sshuttle.firewall;

import dev.sshuttle.net.IpText;

import java.net.InetAddress;
import java.util.regex.Pattern;

/**
 * One name for /etc/hosts from the remote's hostwatch (-H, --seed-hosts). Both the client and
 * the root helper check every entry: a name is DNS syntax only (labels of letters, digits, '-'
 * and '_', at most 63 characters each, 253 in all), so nothing else can reach the file (no
 * spaces, '#', newlines or shell characters); the address is an IP literal of a host that
 * could be remote (not loopback, unspecified, multicast or link-local).
 */
public record HostEntry(String name, InetAddress address) {
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?");
    private static final Pattern IP_TEXT = Pattern.compile("[0-9.]{7,15}|[0-9A-Fa-f:.]{2,45}");

    /** Checks name and ip text; throws IllegalArgumentException saying what is wrong. */
    public static HostEntry parse(String name, String ip) {
        checkName(name);
        if (ip == null || !IP_TEXT.matcher(ip).matches() || (ip.indexOf(':') < 0 && ip.indexOf('.') < 0)) {
            throw new IllegalArgumentException("address " + quote(ip) + " is not an IP literal");
        }
        InetAddress a;
        try {
            a = InetAddress.ofLiteral(ip);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("address " + quote(ip) + " is not an IP literal");
        }
        if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isMulticastAddress() || a.isLinkLocalAddress()) {
            throw new IllegalArgumentException("address " + ip + " is loopback, unspecified, multicast or link-local");
        }
        return new HostEntry(name, a);
    }

    /** {@code name,ip}, as on the mux and the helper's HOST lines. */
    public static HostEntry parse(String nameCommaIp) {
        int comma = nameCommaIp.indexOf(',');
        if (comma < 0) throw new IllegalArgumentException(quote(nameCommaIp) + " is not 'name,ip'");
        return parse(nameCommaIp.substring(0, comma), nameCommaIp.substring(comma + 1));
    }

    static void checkName(String name) {
        if (name == null || name.isEmpty() || name.length() > 253) {
            throw new IllegalArgumentException("name " + quote(name) + " is empty or longer than 253 characters");
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("name " + quote(name) + " is not a host name (letters, digits, '-', '_', dots)");
            }
        }
    }

    /** The line in the hosts file. */
    public String hostsLine() {
        return IpText.of(address) + " " + name;
    }

    /** The HOST line's argument. */
    public String text() {
        return name + "," + IpText.of(address);
    }

    /** For log lines about hostile input: printable, short, quoted. */
    static String quote(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("'");
        for (char c : s.substring(0, Math.min(s.length(), 80)).toCharArray()) {
            if (c >= 0x20 && c < 0x7f && c != '\'') b.append(c);
            else b.append(String.format("\\x%02x", (int) c & 0xff));
        }
        return b.append(s.length() > 80 ? "...'" : "'").toString();
    }
}
