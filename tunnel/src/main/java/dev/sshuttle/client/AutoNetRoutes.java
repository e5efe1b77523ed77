package dev.sshuttle.client;

import dev.sshuttle.net.Family;
import dev.sshuttle.net.SubnetRule;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The server's ROUTES (-N), checked here because the server is the side we cannot trust (the
 * agents filter their own lists, but a compromised server sends what it likes). A route is
 * taken only when it is {@code family,ip,width} with an IP literal of that family (host names
 * are never resolved), not /0, clear of loopback, link-local, multicast and the other special
 * ranges, not the ssh server's own address, and not inside one of the user's -x excludes (it
 * would be more specific and win over it). The ssh server stays excluded inside an accepted route.
 */
public final class AutoNetRoutes {
    /** One iptables/nft call per route: a few hundred is already far more than a real routing table gives. */
    static final int MAX_ROUTES = 256;
    /** What a route line may be: at most a long IPv6 literal and a width. */
    private static final int MAX_LINE_CHARS = 64;

    /** The accepted routes, and one line for each route refused (with its reason). */
    public record Result(List<SubnetRule> accepted, List<String> refused) {}

    private record Special(SubnetRule net, String name) {}

    private static final List<Special> SPECIAL = List.of(
            special("0.0.0.0", 8, "'this network' (0.0.0.0/8)"),
            special("127.0.0.0", 8, "loopback (127.0.0.0/8)"),
            special("169.254.0.0", 16, "link-local (169.254.0.0/16)"),
            special("224.0.0.0", 4, "multicast (224.0.0.0/4)"),
            special("240.0.0.0", 4, "reserved and broadcast (240.0.0.0/4)"),
            special("::", 128, "the unspecified address (::)"),
            special("::1", 128, "loopback (::1)"),
            special("fe80::", 10, "link-local (fe80::/10)"),
            special("ff00::", 8, "multicast (ff00::/8)"));

    private AutoNetRoutes() {}

    private static Special special(String ip, int width, String name) {
        return new Special(SubnetRule.include(InetAddress.ofLiteral(ip), width), name);
    }

    /**
     * @param excludes        the user's -x rules
     * @param serverAddresses the ssh server's own addresses (never captured)
     */
    public static Result parse(String routes, List<SubnetRule> excludes, List<InetAddress> serverAddresses) {
        List<SubnetRule> accepted = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (String raw : routes.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty()) continue;
            String shown = printable(line);
            if (accepted.size() == MAX_ROUTES) {
                refused.add(shown + ": more than " + MAX_ROUTES + " routes");
                continue;
            }
            String why;
            SubnetRule rule = null;
            try {
                rule = route(line);
                why = reasonToRefuse(rule, excludes, serverAddresses);
            } catch (IllegalArgumentException e) {
                why = e.getMessage();
            }
            if (why == null) {
                accepted.add(rule);
            } else {
                refused.add(shown + ": " + why);
            }
        }
        return new Result(List.copyOf(accepted), List.copyOf(refused));
    }

    private static SubnetRule route(String line) {
        if (line.length() > MAX_LINE_CHARS) throw new IllegalArgumentException("too long for a route");
        String[] f = line.split(",", -1);
        if (f.length != 3) throw new IllegalArgumentException("not 'family,ip,width'");
        Family family = switch (f[0]) {
            case "2" -> Family.IPV4;
            case "10" -> Family.IPV6;
            default -> throw new IllegalArgumentException("unknown address family " + f[0]);
        };
        InetAddress address = literal(f[1]);
        if (Family.of(address) != family) throw new IllegalArgumentException(f[1] + " is not an " + family + " address");
        if (!f[2].matches("\\d{1,3}")) throw new IllegalArgumentException("width " + f[2] + " is not a number");
        int width = Integer.parseInt(f[2]);
        if (width > family.maxWidth) throw new IllegalArgumentException("width " + width + " is past " + family.maxWidth);
        return SubnetRule.include(address, width);
    }

    /** An IP literal in its plain form only: dotted quad, or IPv6 without brackets or scope. Never a name. */
    private static InetAddress literal(String text) {
        boolean v4 = text.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = text.matches("[0-9A-Fa-f:.]{2,45}") && text.contains(":");
        if (!v4 && !v6) throw new IllegalArgumentException("not an IP address literal");
        InetAddress a;
        try {
            a = InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IP address literal");
        }
        // the JDK turns ::ffff:a.b.c.d (and ::a.b.c.d) into an IPv4 address: never a route
        if (v6 && a instanceof Inet4Address) throw new IllegalArgumentException("an IPv4-mapped IPv6 address");
        return a;
    }

    private static String reasonToRefuse(SubnetRule r, List<SubnetRule> excludes, List<InetAddress> serverAddresses) {
        if (r.width() == 0) return "/0 would capture every connection of this machine";
        for (Special s : SPECIAL) {
            if (overlap(r, s.net())) return "overlaps " + s.name();
        }
        for (InetAddress server : serverAddresses) {
            if (Family.of(server) == r.family() && r.width() == r.family().maxWidth && r.contains(server)) {
                return "is the ssh server's own address";
            }
        }
        for (SubnetRule x : excludes) {
            if (x.family() == r.family() && x.width() <= r.width() && x.contains(r.address())) {
                return "lies inside your exclude -x " + x.cidr() + " and would override it";
            }
        }
        return null;
    }

    /** Two prefixes overlap exactly when the shorter one contains the other's address. */
    static boolean overlap(SubnetRule a, SubnetRule b) {
        if (a.family() != b.family()) return false;
        return a.width() <= b.width() ? a.contains(b.address()) : b.contains(a.address());
    }

    /** A route line as it may be shown in a log: printable ASCII only, bounded. */
    static String printable(String line) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < line.length() && out.length() < MAX_LINE_CHARS; i++) {
            char c = line.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return (line.length() > MAX_LINE_CHARS ? out + "..." : out.toString());
    }
}
