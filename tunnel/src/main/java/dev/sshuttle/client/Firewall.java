package dev.sshuttle.client;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/** The client's view of the privileged firewall helper: install the rules once, remove them on close. */
public interface Firewall extends AutoCloseable {
    /**
     * Starts what {@link #install} needs before the rules are known (the privileged helper), so
     * it gets ready while ssh connects. Optional: install does it when it was not called; a
     * second call does nothing.
     */
    default void prepare() throws Exception {}

    /** Whether {@link #prepare} may ask the user something (a sudo password): then it runs before ssh, which may ask too. */
    default boolean preparePrompts() {
        return false;
    }

    /**
     * Installs the redirect rules for this listener port. {@code neverCapture} holds addresses
     * that must stay outside the tunnel (the listener's own, the ssh server's); {@code routes}
     * is the server's ROUTES text, added as subnets with --auto-nets.
     */
    void install(int listenerPort, List<InetSocketAddress> listenerAddresses, List<InetAddress> neverCapture,
                 String routes) throws Exception;

    /** -H: names the server found, checked already, for /etc/hosts (removed again on close). */
    default void addHosts(List<dev.sshuttle.firewall.HostEntry> entries) throws java.io.IOException {}

    /** Removes every rule; the helper exits. Idempotent. */
    @Override
    void close();
}
