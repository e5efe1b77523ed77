package dev.sshuttle.firewall;

import dev.sshuttle.net.IpText;

import dev.sshuttle.net.Family;

import dev.sshuttle.net.SubnetRule;

import java.net.InetAddress;

/**
 * The grammar of the lines between the client and the helper (see {@link FirewallHelper}),
 * both ways, so the two sides cannot drift apart.
 */
final class HelperLines {
    static final String READY = "READY";
    static final String METHOD = "METHOD";
    static final String ROUTES = "ROUTES";
    static final String NSLIST = "NSLIST";
    static final String PORTS = "PORTS";
    static final String GO = "GO";
    static final String STARTED = "STARTED";
    static final String HOST = "HOST";

    private HelperLines() {}

    /** {@code <family>,<width>,<exclude 0|1>,<ip>,<fport>,<lport>} */
    static String subnet(SubnetRule rule) {
        return rule.family().afNumber + "," + rule.width() + "," + (rule.exclude() ? 1 : 0) + ","
                + IpText.of(rule.address()) + "," + rule.firstPort() + "," + rule.lastPort();
    }

    static SubnetRule parseSubnet(String line) throws FirewallException {
        String[] f = fields(line, 6, "route <family>,<width>,<exclude>,<ip>,<fport>,<lport>");
        try {
            InetAddress ip = address(f[3], line);
            Family family = Family.ofAfNumber(Integer.parseInt(f[0]));
            boolean exclude = switch (f[2]) {
                case "0" -> false;
                case "1" -> true;
                default -> throw new FirewallException("bad exclude flag in route line: " + line);
            };
            return new SubnetRule(family, ip, Integer.parseInt(f[1]), exclude,
                    Integer.parseInt(f[4]), Integer.parseInt(f[5]));
        } catch (IllegalArgumentException e) {
            throw new FirewallException("bad route line '" + line + "': " + e.getMessage());
        }
    }

    /** {@code <family>,<ip>} */
    static String nameserver(Nameserver ns) {
        return ns.family().afNumber + "," + IpText.of(ns.address());
    }

    static Nameserver parseNameserver(String line) throws FirewallException {
        String[] f = fields(line, 2, "nameserver <family>,<ip>");
        return new Nameserver(address(f[1], line));
    }

    /** {@code PORTS <port_v6>,<port_v4>,<dnsport_v6>,<dnsport_v4>} */
    static String ports(ListenPorts p) {
        return PORTS + " " + p.tcpV6() + "," + p.tcpV4() + "," + p.dnsV6() + "," + p.dnsV4();
    }

    static ListenPorts parsePorts(String line) throws FirewallException {
        String[] f = fields(line.substring(PORTS.length() + 1), 4, "PORTS <v6>,<v4>,<dns v6>,<dns v4>");
        try {
            return new ListenPorts(Integer.parseInt(f[1]), Integer.parseInt(f[0]),
                    Integer.parseInt(f[3]), Integer.parseInt(f[2]));
        } catch (IllegalArgumentException e) {
            throw new FirewallException("bad PORTS line '" + line + "': " + e.getMessage());
        }
    }

    /** What a GO line asks for: whose traffic, whether UDP too (tproxy), and the tproxy mark. */
    record Go(Owner owner, boolean udp, int mark) {}

    /** sshuttle 1.1.2's {@code GO <udp> <uid|-> <gid|-> <tmark> <client pid>}. */
    static String go(long clientPid, Owner owner, boolean udp, int mark) {
        return GO + " " + (udp ? 1 : 0) + " " + (owner.uid() == null ? "-" : owner.uid()) + " "
                + (owner.gid() == null ? "-" : owner.gid()) + " 0x" + Integer.toHexString(mark) + " " + clientPid;
    }

    /** Reads a GO line (1.1.1 form without gid, or 1.1.2 form). */
    static Go parseGo(String line) throws FirewallException {
        String[] f = line.split(" ");
        if (f.length != 5 && f.length != 6) {
            throw new FirewallException("bad GO line '" + line + "': expected GO <udp> <uid> [<gid>] <tmark> <pid>");
        }
        boolean udp = switch (f[1]) {
            case "0" -> false;
            case "1" -> true;
            default -> throw new FirewallException("bad udp flag in GO line '" + line + "' (0 or 1)");
        };
        String mark = f[f.length - 2];
        if (!mark.matches("0x[0-9a-fA-F]{1,8}")) throw new FirewallException("bad tmark in GO line '" + line + "' (0x and 1 to 8 hex digits)");
        int markValue = Integer.parseUnsignedInt(mark.substring(2), 16);
        if (markValue == 0) throw new FirewallException("tmark 0 in GO line '" + line + "': 0 marks nothing");
        try {
            return new Go(new Owner(idOrNone(f[2]), f.length == 6 ? idOrNone(f[3]) : null), udp, markValue);
        } catch (IllegalArgumentException e) {
            throw new FirewallException("bad uid or gid in GO line '" + line + "': " + e.getMessage());
        }
    }

    private static Integer idOrNone(String field) {
        return field.equals("-") ? null : Integer.valueOf(field);
    }

    private static String[] fields(String text, int count, String expected) throws FirewallException {
        String[] f = text.split(",", -1);
        if (f.length != count) throw new FirewallException("bad line '" + text + "': expected " + expected);
        return f;
    }

    /** An IP literal only: a name here would make the root helper do DNS lookups. */
    private static InetAddress address(String text, String line) throws FirewallException {
        try {
            return InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            throw new FirewallException("bad IP address '" + text + "' in line: " + line);
        }
    }
}
