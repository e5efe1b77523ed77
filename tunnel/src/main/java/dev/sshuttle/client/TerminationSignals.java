package dev.sshuttle.client;

import sun.misc.Signal;

/**
 * SIGINT and SIGTERM end the tunnel cleanly (connections closed, rules removed, exit 0)
 * instead of the JVM's default exit 130/143 with shutdown hooks racing the cleanup. SIGHUP is
 * treated the same, as the terminal going away should not leave the tunnel half-alive.
 * sun.misc.Signal (jdk.unsupported) is the only JDK way to do this.
 */
@SuppressWarnings("restriction")
public final class TerminationSignals {
    private TerminationSignals() {}

    public static void install(Runnable onTerminate) {
        for (String name : new String[] {"INT", "TERM", "HUP"}) {
            try {
                Signal.handle(new Signal(name), s -> Thread.ofPlatform().name("sig-" + name).start(onTerminate));
            } catch (IllegalArgumentException e) {
                // the signal is reserved or ignored here (e.g. SIGINT in a background job): leave it
            }
        }
    }
}
