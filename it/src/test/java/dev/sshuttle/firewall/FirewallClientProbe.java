package dev.sshuttle.firewall;

import java.io.IOException;
import java.time.Duration;

/**
 * A stand-in client process for the SIGKILL test: starts the helper in a namespace through
 * {@link FirewallClient}, prints {@code UP <helper pid>}, then waits until its stdin ends.
 * Args: namespace method backend|- port sudo|direct.
 */
public final class FirewallClientProbe {
    private FirewallClientProbe() {}

    public static void main(String[] args) throws IOException {
        String backend = args[2].equals("-") ? null : args[2];
        int port = Integer.parseInt(args[3]);
        FirewallClient client = FirewallClient.start(HelperLaunch.helperInNamespace(args[0], args[1], backend,
                        args[4].equals("sudo")),
                args[1], HelperLaunch.rules(port), Duration.ofSeconds(60));
        System.out.println("UP " + client.pid());
        System.out.flush();
        System.in.transferTo(java.io.OutputStream.nullOutputStream());
        client.close();
    }
}
