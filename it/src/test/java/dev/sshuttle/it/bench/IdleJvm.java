package dev.sshuttle.it.bench;

/**
 * A JVM that does nothing but wait for its stdin to end: the footprint benchmark measures it
 * with the client's own JVM options, the floor under any client this JVM runs.
 */
public final class IdleJvm {
    public static void main(String[] args) throws Exception {
        System.out.println("idle");
        System.out.flush();
        while (System.in.read() >= 0) {
            // nothing is sent; only the end matters
        }
    }

    private IdleJvm() {}
}
