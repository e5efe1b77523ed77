package dev.sshuttle.firewall;

import dev.sshuttle.net.Family;

/**
 * The local ports the rules redirect to, per family; 0 means "no listener for this family".
 * The TCP port also names the chain or table, which is what lets instances coexist.
 */
public record ListenPorts(int tcpV4, int tcpV6, int dnsV4, int dnsV6) {

    public ListenPorts {
        for (int p : new int[] {tcpV4, tcpV6, dnsV4, dnsV6}) {
            if (p < 0 || p > 65535) throw new IllegalArgumentException("port out of range: " + p);
        }
    }

    public static ListenPorts tcp(int port) {
        return new ListenPorts(port, port, 0, 0);
    }

    public ListenPorts withDns(int port) {
        return new ListenPorts(tcpV4, tcpV6, port, port);
    }

    public int tcp(Family family) {
        return family == Family.IPV4 ? tcpV4 : tcpV6;
    }

    public int dns(Family family) {
        return family == Family.IPV4 ? dnsV4 : dnsV6;
    }
}
