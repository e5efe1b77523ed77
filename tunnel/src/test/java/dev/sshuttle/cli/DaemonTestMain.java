package dev.sshuttle.cli;

/**
 * A stand-in client for {@link DaemonizerTest}, run as the daemon child: "ready" connects and
 * then serves until SIGTERM (at most 60 s, so a lost child cannot linger); "fail" ends with 3
 * before connecting.
 */
public final class DaemonTestMain {
    private DaemonTestMain() {}

    public static void main(String[] args) throws InterruptedException {
        Daemonizer.initChild(System.getenv());
        SignalExit.install();
        System.out.println("starting");
        if (args[0].equals("fail")) {
            System.err.println("cannot connect");
            System.exit(3);
        }
        Daemonizer.connected();
        System.err.println("logged after detach");
        System.out.println("stdout after detach");
        Thread.sleep(60_000); // the bounded lifetime of a test daemon, not synchronisation
        System.exit(0);
    }
}
