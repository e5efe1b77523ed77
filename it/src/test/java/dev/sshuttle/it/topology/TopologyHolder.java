package dev.sshuttle.it.topology;

/**
 * A child JVM that builds a topology, prints its prefix, and waits to be killed: lets a test
 * check what SIGTERM (shutdown hook) and SIGKILL (reaper) leave behind.
 */
public final class TopologyHolder {
    private TopologyHolder() {}

    public static void main(String[] args) throws InterruptedException {
        Topology t = Topology.start();
        System.out.println("PREFIX " + t.prefix() + " SSHD " + t.ssh().pid());
        System.out.flush();
        Thread.currentThread().join();
    }
}
