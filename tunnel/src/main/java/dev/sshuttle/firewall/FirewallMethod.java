package dev.sshuttle.firewall;

import dev.sshuttle.net.Family;

import java.io.IOException;
import java.util.List;

/** One way of redirecting captured connections to the local listener (nat, nft). */
public interface FirewallMethod {

    /** The name on the command line and in the helper's READY line. */
    String name();

    /** The exact commands that install one family's rules, in order (pure: runs nothing). */
    List<List<String>> setupCommands(Family family, FirewallRules rules);

    /**
     * Removes what this method instance (one helper session) installed for this family and
     * listener port, and nothing else. Safe to call when nothing is installed.
     */
    void remove(Family family, int port, CommandRunner runner) throws IOException;

    /**
     * Removes what a crashed earlier run left for this family and port. Call only while holding
     * the port's {@link PortLock}: then no running session owns those rules.
     */
    void removeStale(Family family, int port, CommandRunner runner) throws IOException;

    default void setup(Family family, FirewallRules rules, CommandRunner runner) throws IOException {
        for (List<String> command : setupCommands(family, rules)) {
            runner.require(command);
        }
    }
}
