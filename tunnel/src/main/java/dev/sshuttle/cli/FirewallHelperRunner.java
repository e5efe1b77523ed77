package dev.sshuttle.cli;

import dev.sshuttle.firewall.FirewallHelper;
import java.util.List;

/** {@code sshuttle.jar --firewall}: the privileged helper on this process's stdin/stdout. */
public final class FirewallHelperRunner implements FirewallRunner {
    @Override
    public int run(String[] args) {
        return FirewallHelper.run(List.of(args), System.in, System.out, System.err);
    }
}
