package dev.sshuttle.cli;

import dev.sshuttle.exit.ExitCodes;

import sun.misc.Signal;

/**
 * Makes SIGINT and SIGTERM a normal end: exit code 0 after the shutdown hooks ran (they undo
 * what the client set up: pidfile, firewall helper input). The JVM's default would be 130/143.
 */
public final class SignalExit {
    private SignalExit() {}

    public static void install() {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), signal -> Runtime.getRuntime().exit(ExitCodes.OK));
            } catch (IllegalArgumentException e) {
                // the signal is reserved here (e.g. -Xrs): keep the JVM's behaviour
            }
        }
    }
}
