package dev.sshuttle.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the client's transparent listener binds ({@code -l/--listen [ip:]port[,...]}): at
 * most one IPv4 and one IPv6 address. A port of 0 means "search a free port from
 * {@link #SEARCH_FIRST_PORT} down to {@link #SEARCH_LAST_PORT}", as sshuttle does. Without
 * {@code -l}: 127.0.0.1 and ::1 (the latter only if IPv6 is on and the method supports it,
 * which the client decides). With {@code -l} giving only an IPv4 address, IPv6 is off.
 *
 * @param ipv4     IPv4 listen address, or null for none
 * @param ipv6     IPv6 listen address, or null for none
 * @param explicit true when the user gave {@code -l}; false for the defaults
 */
public record ListenAddresses(InetSocketAddress ipv4, InetSocketAddress ipv6, boolean explicit) {

    public static final int SEARCH_FIRST_PORT = 12300;
    public static final int SEARCH_LAST_PORT = 9001;

    private static final Pattern BRACKETED = Pattern.compile("\\[([^\\]]+)\\](?::(\\d+))?");
    private static final Pattern PLAIN = Pattern.compile("([\\w.\\-]+)(?::(\\d+))?");

    public ListenAddresses {
        if (ipv4 == null && ipv6 == null) throw new IllegalArgumentException("no listen address");
        if (ipv4 != null && !(ipv4.getAddress() instanceof Inet4Address)) throw new IllegalArgumentException("ipv4 " + ipv4);
        if (ipv6 != null && ipv6.getAddress() instanceof Inet4Address) throw new IllegalArgumentException("ipv6 " + ipv6);
    }

    /** sshuttle's defaults: 127.0.0.1 and (unless disabled) ::1, both on a searched port. */
    public static ListenAddresses defaults(boolean disableIpv6) {
        InetSocketAddress v4 = new InetSocketAddress(loopback(new byte[] {127, 0, 0, 1}), 0);
        InetSocketAddress v6 = disableIpv6 ? null : new InetSocketAddress(loopback(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), 0);
        return new ListenAddresses(v4, v6, false);
    }

    /** Whether the port of {@code address} is to be searched rather than bound as given. */
    public static boolean searchesPort(InetSocketAddress address) {
        return address.getPort() == 0;
    }

    /**
     * Parses {@code -l}: comma-separated {@code port}, {@code ip}, {@code ip:port},
     * {@code [v6]}, {@code [v6]:port}, or a host name; a bare number listens on 0.0.0.0. A later
     * entry of the same family replaces an earlier one.
     */
    public static ListenAddresses parse(String text, HostResolver resolver) {
        InetSocketAddress v4 = null;
        InetSocketAddress v6 = null;
        for (String entry : text.split(",", -1)) {
            InetSocketAddress a = parseOne(entry.strip(), text, resolver);
            if (a.getAddress() instanceof Inet4Address) v4 = a;
            else v6 = a;
        }
        return new ListenAddresses(v4, v6, true);
    }

    private static InetSocketAddress parseOne(String entry, String whole, HostResolver resolver) {
        String host;
        String port;
        if (!entry.isEmpty() && entry.chars().allMatch(c -> c >= '0' && c <= '9')) {
            host = "0.0.0.0";
            port = entry;
        } else {
            Matcher m = (entry.indexOf(']') >= 0 ? BRACKETED : PLAIN).matcher(entry);
            if (!m.matches()) {
                throw new BadArgumentException("bad -l/--listen '" + whole + "': '" + entry
                        + "' is not [ip:]port (IPv6 as [addr]:port)");
            }
            host = m.group(1);
            port = m.group(2);
        }
        int p = port == null ? 0 : parsePort(port, whole);
        InetAddress[] found;
        try {
            found = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw new BadArgumentException("bad -l/--listen '" + whole + "': unable to resolve address " + host);
        }
        if (found.length == 0) throw new BadArgumentException("bad -l/--listen '" + whole + "': no address for " + host);
        // sshuttle takes min(getaddrinfo(...)): AF_INET sorts before AF_INET6
        InetAddress chosen = Arrays.stream(found)
                .min(Comparator.comparingInt(a -> a instanceof Inet4Address ? 0 : 1))
                .orElseThrow();
        return new InetSocketAddress(chosen, p);
    }

    private static int parsePort(String digits, String whole) {
        if (digits.length() > 5 || Integer.parseInt(digits) > 65535) {
            throw new BadArgumentException("bad -l/--listen '" + whole + "': port " + digits + " is not between 0 and 65535");
        }
        return Integer.parseInt(digits);
    }

    private static InetAddress loopback(byte[] address) {
        try {
            return InetAddress.getByAddress("localhost", address);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes are always a valid address
        }
    }
}
