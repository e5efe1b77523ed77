package dev.sshuttle.firewall;

import java.util.List;

/** Runs the firewall helper on stdin/stdout: {@code java ... FirewallMain [--method M] [--iptables-backend B]}. */
public final class FirewallMain {
    private FirewallMain() {}

    public static void main(String[] args) {
        System.exit(FirewallHelper.run(List.of(args), System.in, System.out, System.err));
    }
}
