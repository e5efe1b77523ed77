package dev.sshuttle.firewall;

import java.io.IOException;

/** A firewall command failed: the message shows the command line and what it printed. */
public final class FirewallException extends IOException {
    public FirewallException(String message) {
        super(message);
    }

    FirewallException(CommandRunner.Result result) {
        super("command failed (exit " + result.exitCode() + "): " + String.join(" ", result.argv())
                + (result.output().isBlank() ? "" : "\n" + result.output().strip()));
    }
}
