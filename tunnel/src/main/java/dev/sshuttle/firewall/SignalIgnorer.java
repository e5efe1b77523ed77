package dev.sshuttle.firewall;

/** Ignores SIGHUP where the JDK lets us (sun.misc.Signal from jdk.unsupported). */
final class SignalIgnorer {
    private SignalIgnorer() {}

    static void ignoreHangup() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sun.misc.SignalHandler.SIG_IGN);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // the JVM runs with -Xrs or the signal is reserved: a hangup then ends the helper,
            // and its shutdown hook still removes the rules
        }
    }
}
