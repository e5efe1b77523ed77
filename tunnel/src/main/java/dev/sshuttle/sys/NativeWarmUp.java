package dev.sshuttle.sys;

/**
 * Links the FFM downcalls of a client start ahead of their first use. The first downcall handle
 * of a JVM costs the linker's bootstrap and each one spins classes that the AOT cache does not
 * keep (JDK 25): 0.1-0.2 s measured between "options parsed" and "ssh started". Started before
 * the options are parsed, on a thread of its own, that work overlaps the parse on the second
 * core; a caller that gets there first waits on the class's initialisation (the JVM's own lock)
 * instead of doing it twice, so nothing here can change what runs, only when.
 */
public final class NativeWarmUp {
    /** The classes whose static initialisers link the downcalls a client start uses. */
    private static final String[] CLASSES = {"dev.sshuttle.sys.Libc", "dev.sshuttle.sys.SpawnedProcess"};

    private NativeWarmUp() {}

    public static void start() {
        Thread t = new Thread(NativeWarmUp::link, "native-warm-up");
        t.setDaemon(true);
        t.start();
    }

    private static void link() {
        for (String name : CLASSES) {
            try {
                Class.forName(name, true, NativeWarmUp.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                // the real first use reports it, where it matters
                return;
            }
        }
    }
}
