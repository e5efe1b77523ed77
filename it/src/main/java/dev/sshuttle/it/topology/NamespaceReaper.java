package dev.sshuttle.it.topology;

import dev.sshuttle.it.sys.Cmd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

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

    /**
     * Reaps every stale run now: its namespaces (and the processes inside), its lock file and
     * its temp dirs. Returns the namespaces removed.
     */
    public static List<String> reapStale() {
        Map<String, List<String>> byRun = new TreeMap<>();
        for (String ns : listPrefixed()) byRun.computeIfAbsent(runId(ns), k -> new ArrayList<>()).add(ns);
        for (String id : lockedRunIds()) byRun.putIfAbsent(id, List.of()); // killed before its first namespace
        List<String> removed = new ArrayList<>();
        byRun.forEach((id, namespaces) -> {
            if (!isStale(id, namespaces)) return;
            namespaces.forEach(NamespaceReaper::deleteWithProcesses);
            RunLock.deleteLockFile(id);
            deleteTempDirs(id);
            removed.addAll(namespaces);
        });
        return removed;
    }

    /** Every namespace whose name starts with {@value #PREFIX}. */
    public static List<String> listPrefixed() {
        Cmd.Result r = Cmd.run(Netns.COMMAND_TIMEOUT, "ip", "netns", "list");
        if (!r.ok()) return List.of();
        return r.stdout().lines().map(l -> l.split("\\s+")[0]).filter(n -> n.startsWith(PREFIX)).toList();
    }

    private static String runId(String ns) {
        String rest = ns.substring(PREFIX.length());
        int dash = rest.indexOf('-');
        return dash < 0 ? rest : rest.substring(0, dash);
    }

    /** A run is stale when its lock is free; without a lock file, when all its namespaces are old. */
    static boolean isStale(String id, List<String> namespaces) {
        Optional<Boolean> alive = RunLock.isAlive(id);
        if (alive.isPresent()) return !alive.get();
        Instant cutoff = Instant.now().minus(FOREIGN_MIN_AGE);
        return !namespaces.isEmpty() && namespaces.stream().allMatch(ns -> {
            try {
                return Files.getLastModifiedTime(Path.of("/run/netns", ns)).toInstant().isBefore(cutoff);
            } catch (IOException e) {
                return false;
            }
        });
    }

    private static List<String> lockedRunIds() {
        try (Stream<Path> locks = Files.list(RunLock.DIR)) {
            return locks.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".lock"))
                    .map(n -> n.substring(0, n.length() - ".lock".length())).toList();
        } catch (IOException noDirYet) {
            return List.of();
        }
    }

    private static void deleteTempDirs(String id) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (Stream<Path> dirs = Files.list(tmp)) {
            dirs.filter(d -> d.getFileName().toString().startsWith(PREFIX + id + "-")).forEach(NamespaceReaper::deleteTree);
        } catch (IOException ignored) {
            // a leftover temp dir costs only disk space
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** Kills (by PID: TERM, then KILL after 2 s) every process in ns, then deletes ns. */
    static void deleteWithProcesses(String ns) {
        killProcessesIn(Netns.named(ns));
        deleteNamespace(ns);
    }

    /** Deletes the namespace and its /etc/netns/NAME config dir. */
    static void deleteNamespace(String ns) {
        Cmd.run(Netns.COMMAND_TIMEOUT, "ip", "netns", "del", ns);
        deleteTree(Netns.etcDir(ns));
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
