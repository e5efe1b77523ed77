package dev.sshuttle.client;

import dev.sshuttle.net.Family;
import dev.sshuttle.firewall.FirewallClient;
import dev.sshuttle.firewall.FirewallRules;
import dev.sshuttle.net.IpText;
import dev.sshuttle.firewall.ListenPorts;
import dev.sshuttle.firewall.Nameserver;
import dev.sshuttle.firewall.Owner;
import dev.sshuttle.net.SubnetRule;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The production firewall: the privileged helper process (sudo/doas unless root). It is
 * started beside ssh ({@link #prepare}) and gets its rules once the server is ready: the user's
 * subnets plus what must never be captured (the listener's own addresses and the ssh server's,
 * so 0/0 cannot swallow the tunnel).
 */
public final class HelperFirewall implements Firewall {
    private final String method;
    private final List<SubnetRule> includes;
    private final List<SubnetRule> excludes;
    private final List<Nameserver> nameservers;
    private final int dnsPort;
    private final boolean autoNets;
    private final TunnelClient.Log log;
    private final Owner owner;
    private FirewallClient.Launched launched;
    private FirewallClient helper;
    private boolean udp;
    private int tmark = FirewallClient.DEFAULT_MARK;

    public HelperFirewall(String method, List<SubnetRule> includes, List<SubnetRule> excludes,
                          List<InetAddress> nameservers, int dnsPort, boolean autoNets, TunnelClient.Log log) {
        this(method, includes, excludes, nameservers, dnsPort, autoNets, Owner.ANY, log);
    }

    /** With an owner (--user/--group), only that user's or group's sockets are captured (nat only). */
    public HelperFirewall(String method, List<SubnetRule> includes, List<SubnetRule> excludes,
                          List<InetAddress> nameservers, int dnsPort, boolean autoNets, Owner owner, TunnelClient.Log log) {
        this.owner = owner;
        this.method = method;
        this.includes = List.copyOf(includes);
        this.excludes = List.copyOf(excludes);
        this.nameservers = nameservers.stream().map(Nameserver::new).toList();
        this.dnsPort = dnsPort;
        this.autoNets = autoNets;
        this.log = log;
    }

    /** --method tproxy: capture UDP too, marking with tmark. */
    public HelperFirewall withTproxy(int mark) {
        this.udp = true;
        this.tmark = mark;
        return this;
    }

    @Override
    public boolean preparePrompts() {
        return FirewallClient.launchMayPrompt();
    }

    @Override
    public void prepare() throws IOException {
        if (launched == null && helper == null) launched = FirewallClient.launch(method);
    }

    @Override
    public void install(int listenerPort, List<InetSocketAddress> listenerAddresses, List<InetAddress> neverCapture,
                        String routes) throws IOException {
        boolean v4 = listenerAddresses.stream().anyMatch(a -> Family.of(a.getAddress()) == Family.IPV4);
        boolean v6 = listenerAddresses.stream().anyMatch(a -> Family.of(a.getAddress()) == Family.IPV6);
        List<SubnetRule> rules = new ArrayList<>(includes);
        if (autoNets) rules.addAll(autoNetRoutes(routes, neverCapture));
        rules.addAll(excludes);
        for (InetSocketAddress a : listenerAddresses) {
            if (!a.getAddress().isAnyLocalAddress()) rules.add(SubnetRule.excludeHost(a.getAddress()));
        }
        for (InetAddress a : neverCapture) rules.add(SubnetRule.excludeHost(a));
        List<SubnetRule> usable = new ArrayList<>();
        for (SubnetRule r : rules) {
            boolean ok = r.family() == Family.IPV4 ? v4 : v6;
            if (ok) {
                usable.add(r);
            } else if (!r.exclude()) {
                log.log(0, "warning: not capturing " + r.cidr() + ": no " + r.family() + " listener (see -l / --disable-ipv6)");
            }
        }
        List<Nameserver> ns = nameservers.stream()
                .filter(n -> n.family() == Family.IPV4 ? v4 : v6).toList();
        ListenPorts ports = new ListenPorts(v4 ? listenerPort : 0, v6 ? listenerPort : 0,
                v4 && dnsPort > 0 ? dnsPort : 0, v6 && dnsPort > 0 ? dnsPort : 0);
        prepare();
        FirewallClient.Launched starting = launched;
        launched = null;
        try {
            helper = starting.install(method, new FirewallRules(usable, ns, ports, owner), FirewallClient.READY_TIMEOUT,
                    udp, tmark);
        } finally {
            if (helper == null) starting.close();
        }
        log.log(1, "firewall rules installed with method " + helper.helperMethod());
    }

    /** The server's -N routes that pass {@link AutoNetRoutes}; each one logged, taken at -v, refused always. */
    private List<SubnetRule> autoNetRoutes(String routes, List<InetAddress> serverAddresses) {
        AutoNetRoutes.Result r = AutoNetRoutes.parse(routes, excludes, serverAddresses);
        for (String refused : r.refused()) log.log(0, "warning: -N: refusing the server's route " + refused);
        for (SubnetRule a : r.accepted()) {
            String server = serverAddresses.stream().filter(s -> a.contains(s)).map(IpText::of)
                    .reduce((x, y) -> x + ", " + y).map(s -> " (the ssh server " + s + " stays excluded)").orElse("");
            log.log(1, "-N: capturing the server's route " + a.cidr() + server);
        }
        if (r.accepted().isEmpty()) log.log(1, "-N: the server sent no route this client takes");
        return r.accepted();
    }

    @Override
    public void addHosts(List<dev.sshuttle.firewall.HostEntry> entries) throws IOException {
        if (helper != null) helper.sendHosts(entries);
    }

    @Override
    public void close() {
        if (launched != null) {
            launched.close(); // started, never given rules
            launched = null;
        }
        if (helper == null) return;
        try {
            helper.close();
        } catch (IOException e) {
            log.log(0, "sshuttle: " + e.getMessage());
        } finally {
            helper = null;
        }
    }
}
