package dev.sshuttle.firewall;

/**
 * Ignores SIGHUP where the JDK lets us: {@code sun.misc.Signal} (module jdk.unsupported), reached
 * reflectively so the build carries no internal-API warning.
 */
final class SignalIgnorer {
    private SignalIgnorer() {}

    static void ignoreHangup() {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object ignore = handler.getField("SIG_IGN").get(null);
            Object hup = signal.getConstructor(String.class).newInstance("HUP");
            signal.getMethod("handle", signal, handler).invoke(null, hup, ignore);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // no jdk.unsupported, -Xrs, or the signal is reserved: a hangup then ends the
            // helper, and its shutdown hook still removes the rules
        }
    }
}
