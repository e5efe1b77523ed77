package dev.sshuttle.it.topology;

import dev.sshuttle.it.sys.Cmd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Removes what killed runs left behind: namespaces named {@code sshj-ID-...} whose run lock is
 * free (owner dead), and the processes still inside them (found with {@code ip netns pids},
 * killed by PID). Namespaces with the prefix but no lock file were made by some other tool; they
 * are only reaped once they are older than {@link #FOREIGN_MIN_AGE}, so a colleague's running
 * test is never touched.
 */
public final class NamespaceReaper {
    public static final String PREFIX = "sshj-";
    static final Duration FOREIGN_MIN_AGE = Duration.ofMinutes(30);
    private static final AtomicBoolean REAPED_THIS_JVM = new AtomicBoolean();

    private NamespaceReaper() {}

    /** Reaps once per JVM (the first topology of a suite pays for it). */
    public static void reapOnce() {
        if (REAPED_THIS_JVM.compareAndSet(false, true)) reapStale();
    }

    /** Reaps every stale namespace now; returns the names removed. */
    public static List<String> reapStale() {
        List<String> removed = new ArrayList<>();
        for (String ns : listPrefixed()) {
            if (isStale(ns)) {
                deleteWithProcesses(ns);
                removed.add(ns);
            }
        }
        return removed;
    }

    /** Every namespace whose name starts with {@value #PREFIX}. */
    public static List<String> listPrefixed() {
        Cmd.Result r = Cmd.run(Netns.COMMAND_TIMEOUT, "ip", "netns", "list");
        if (!r.ok()) return List.of();
        return r.stdout().lines().map(l -> l.split("\\s+")[0]).filter(n -> n.startsWith(PREFIX)).toList();
    }

    static boolean isStale(String ns) {
        String rest = ns.substring(PREFIX.length());
        int dash = rest.indexOf('-');
        String id = dash < 0 ? rest : rest.substring(0, dash);
        Optional<Boolean> alive = RunLock.isAlive(id);
        if (alive.isPresent()) {
            if (!alive.get()) RunLock.deleteLockFile(id);
            return !alive.get();
        }
        try {
            Instant made = Files.getLastModifiedTime(Path.of("/run/netns", ns)).toInstant();
            return made.isBefore(Instant.now().minus(FOREIGN_MIN_AGE));
        } catch (IOException e) {
            return false;
        }
    }

    /** Kills (by PID: TERM, then KILL after 2 s) every process in ns, then deletes ns. */
    static void deleteWithProcesses(String ns) {
        killProcessesIn(Netns.named(ns));
        Cmd.run(Netns.COMMAND_TIMEOUT, "ip", "netns", "del", ns);
    }

    static void killProcessesIn(Netns ns) {
        List<ProcessHandle> inside = ns.pids().stream()
                .filter(pid -> pid != ProcessHandle.current().pid())
                .map(ProcessHandle::of).flatMap(Optional::stream).toList();
        inside.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : inside) {
            try {
                p.onExit().get(2, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception stillRunning) {
                p.destroyForcibly();
            }
        }
    }
}
