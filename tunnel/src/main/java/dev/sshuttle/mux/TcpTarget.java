package dev.sshuttle.mux;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The destination in a TCP_CONNECT: "family,ip,port". Parsed strictly (IP literals only, so
 * no name lookup can hide in here); family 2 is IPv4, anything else IPv6, as in sshuttle.
 */
public record TcpTarget(boolean ipv6, String ip, int port) {
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    public byte[] encode() {
        return ((ipv6 ? AF_INET6 : AF_INET) + "," + ip + "," + port).getBytes(StandardCharsets.US_ASCII);
    }

    public static TcpTarget parse(byte[] payload) throws ProtocolException {
        String text = new String(payload, StandardCharsets.ISO_8859_1);
        String[] parts = text.split(",", 3);
        if (parts.length != 3) throw bad(text, "expected family,ip,port");
        int family;
        int port;
        try {
            family = Integer.parseInt(parts[0].strip());
            port = Integer.parseInt(parts[2].strip());
        } catch (NumberFormatException e) {
            throw bad(text, "family and port must be numbers");
        }
        if (port < 1 || port > 65535) throw bad(text, "port out of range");
        String ip = parts[1].strip();
        boolean v6 = family != AF_INET;
        if (v6 ? !(IPV6.matcher(ip).matches() && ip.contains(":")) : !IPV4.matcher(ip).matches()) {
            throw bad(text, "not an IPv" + (v6 ? "6" : "4") + " address for family " + family);
        }
        return new TcpTarget(v6, ip, port);
    }

    private static ProtocolException bad(String text, String why) {
        String shown = text.length() > 80 ? text.substring(0, 80) + "..." : text;
        return new ProtocolException("malformed TCP_CONNECT '" + shown.replaceAll("[^\\x20-\\x7e]", "?") + "': " + why);
    }

    @Override
    public String toString() {
        return ipv6 ? "[" + ip + "]:" + port : ip + ":" + port;
    }
}
