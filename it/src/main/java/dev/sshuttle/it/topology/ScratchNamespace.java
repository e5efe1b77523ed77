package dev.sshuttle.it.topology;

import dev.sshuttle.it.sys.Cmd;
import java.util.List;

/**
 * One throwaway network namespace {@code sshj-ID-scratch} with lo up, for a test that needs a
 * private network stack (its own iptables, nft and ip rules) but no {@link Topology}. It holds a
 * {@link RunLock} like a topology, so {@link NamespaceReaper} removes it after a killed run and
 * never while this JVM lives; close() kills what still runs inside and deletes it.
 */
public final class ScratchNamespace implements AutoCloseable {
    private final RunLock runLock;
    private final Netns netns;

    private ScratchNamespace(RunLock runLock) {
        this.runLock = runLock;
        this.netns = new Netns(NamespaceReaper.PREFIX + runLock.id() + "-scratch");
    }

    /** Creates it; throws with the failing command's stderr (after removing what was made). */
    public static ScratchNamespace create() {
        NamespaceReaper.reapOnce();
        ScratchNamespace ns = new ScratchNamespace(RunLock.acquireNew());
        try {
            Cmd.run(Netns.COMMAND_TIMEOUT, List.of("ip", "netns", "add", ns.name())).orThrow();
            ns.exec("ip", "link", "set", "lo", "up");
            return ns;
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    public String name() {
        return netns.name();
    }

    /** The namespace, to run commands ({@link Netns#run}) and open sockets ({@link Netns#call}) inside. */
    public Netns netns() {
        return netns;
    }

    /** Runs argv inside; throws with its stderr unless it exits 0; returns its stdout. */
    public String exec(String... argv) {
        return netns.runOrThrow(argv).stdout();
    }

    /**
     * Adds a veth pair v0/v1 with 10.9.9.1/24 and fd00:9::1/64 on v0, so that connect() to other
     * addresses of those ranges (10.9.9.9, fd00:9::9) is routed and reaches netfilter's OUTPUT hook.
     */
    public void routeFakeRemotes() {
        exec("ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1");
        exec("ip", "addr", "add", "10.9.9.1/24", "dev", "v0");
        exec("ip", "addr", "add", "fd00:9::1/64", "dev", "v0", "nodad");
        exec("ip", "link", "set", "v1", "up");
        exec("ip", "link", "set", "v0", "up");
    }

    @Override
    public void close() {
        NamespaceReaper.killProcessesIn(netns);
        NamespaceReaper.deleteNamespace(name());
        runLock.close();
    }

    @Override
    public String toString() {
        return name();
    }
}
