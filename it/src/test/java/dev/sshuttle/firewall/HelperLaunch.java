package dev.sshuttle.firewall;

import dev.sshuttle.net.SubnetRule;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Command lines that run our helper (and a client probe) as real processes, the helper inside a namespace. */
final class HelperLaunch {
    static final int PORT = 12300;

    private HelperLaunch() {}

    /** {@code ip netns exec NS java ... FirewallMain --method M [--iptables-backend B]} */
    static List<String> helperInNamespace(String namespace, String method, String backend) {
        return helperInNamespace(namespace, method, backend, false);
    }

    /** The same, optionally through {@code sudo -n} as the product does for a non-root user (sudo's pty relay included). */
    static List<String> helperInNamespace(String namespace, String method, String backend, boolean viaSudo) {
        List<String> command = new ArrayList<>(viaSudo ? List.of("sudo", "-n") : List.of());
        command.addAll(List.of("ip", "netns", "exec", namespace));
        command.addAll(java(codeSource(FirewallMain.class)));
        command.addAll(List.of(FirewallMain.class.getName(), "--method", method));
        if (backend != null) command.addAll(List.of("--iptables-backend", backend));
        return command;
    }

    /** A JVM running {@link FirewallClientProbe}, which holds the helper's pipe as a real client would. */
    static List<String> clientProbe(String namespace, String method, String backend, int port, boolean viaSudo) {
        List<String> command = new ArrayList<>(java(codeSource(FirewallClientProbe.class)
                + java.io.File.pathSeparator + codeSource(FirewallMain.class)));
        command.addAll(List.of(FirewallClientProbe.class.getName(), namespace, method,
                backend == null ? "-" : backend, Integer.toString(port), viaSudo ? "sudo" : "direct"));
        return command;
    }

    static final int DNS_PORT = 12299;

    /**
     * Rules capturing 10.0.0.0/8 minus one host and fd00::/8, on one port for both families,
     * with one DNS server per family redirected to {@link #DNS_PORT}.
     */
    static FirewallRules rules(int port) {
        return new FirewallRules(List.of(
                SubnetRule.include(InetAddress.ofLiteral("10.0.0.0"), 8),
                SubnetRule.excludeHost(InetAddress.ofLiteral("10.0.0.1")),
                SubnetRule.include(InetAddress.ofLiteral("fd00::"), 8)),
                List.of(new Nameserver(InetAddress.ofLiteral("10.0.0.53")), new Nameserver(InetAddress.ofLiteral("fd00::53"))),
                ListenPorts.tcp(port).withDns(DNS_PORT));
    }

    private static List<String> java(String classPath) {
        List<String> command = new ArrayList<>();
        command.add(HelperCommand.javaBinary());
        command.addAll(HelperCommand.JVM_FLAGS);
        command.addAll(List.of("-cp", classPath));
        return command;
    }

    private static String codeSource(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
