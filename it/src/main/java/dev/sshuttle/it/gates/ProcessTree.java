package dev.sshuttle.it.gates;

import dev.sshuttle.it.topology.Netns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;

/** Finds processes: by namespace (ip netns pids), by parent, by command line. */
public final class ProcessTree {
    /** One process: its PID, parent PID and command line (NULs as spaces). */
    public record Proc(long pid, long ppid, String cmdline) {
        @Override
        public String toString() {
            return pid + " (ppid " + ppid + "): " + cmdline;
        }
    }

    private ProcessTree() {}

    /** The process, if it still exists. */
    public static Optional<Proc> info(long pid) {
        try {
            Path dir = Path.of("/proc", Long.toString(pid));
            String cmd = new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').strip();
            String stat = Files.readString(dir.resolve("stat"));
            String[] fields = ProcessGauge.statFields(stat);
            return Optional.of(new Proc(pid, Long.parseLong(fields[1]), cmd));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Every process in the namespace. */
    public static List<Proc> inNamespace(Netns ns) {
        return ns.pids().stream().map(ProcessTree::info).flatMap(Optional::stream).toList();
    }

    /** Every descendant of pid (children, grandchildren, ...). */
    public static List<Proc> descendants(long pid) {
        List<Proc> all;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            all = procs.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+"))
                    .map(n -> info(Long.parseLong(n))).flatMap(Optional::stream).toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e, e);
        }
        List<Proc> out = new ArrayList<>();
        List<Long> frontier = new ArrayList<>(List.of(pid));
        while (!frontier.isEmpty()) {
            long parent = frontier.removeFirst();
            for (Proc p : all) {
                if (p.ppid() == parent) {
                    out.add(p);
                    frontier.add(p.pid());
                }
            }
        }
        return out;
    }

    /** Command line mentions python or java but is not sshd: the tunnel's remote agent. */
    public static Predicate<Proc> agent() {
        return p -> (p.cmdline().contains("python") || p.cmdline().contains("java")) && !p.cmdline().contains("sshd");
    }

    /**
     * Waits (at most `within`) until exactly one process in ns matches, and returns it. Fails
     * listing what the namespace holds.
     */
    public static Proc awaitOne(Netns ns, Predicate<Proc> what, String description, Duration within) {
        Poll.Outcome<List<Proc>> o = Poll.until(() -> inNamespace(ns), all -> all.stream().filter(what).count() == 1, within);
        List<Proc> seen = o.last() == null ? List.of() : o.last();
        if (!o.ok()) {
            Assertions.fail("expected exactly one " + description + " in " + ns + " within " + within
                    + ", found " + seen.stream().filter(what).toList() + "; processes there: " + seen);
        }
        return seen.stream().filter(what).findFirst().orElseThrow();
    }

    /** Fails unless no process in ns matches within `within` (e.g. the agent after the client quit). */
    public static void assertNoneLeft(Netns ns, Predicate<Proc> what, String description, Duration within) {
        Poll.Outcome<List<Proc>> o = Poll.until(() -> inNamespace(ns).stream().filter(what).toList(), List::isEmpty, within);
        if (!o.ok()) Assertions.fail(description + " still running in " + ns + " after " + within + ": " + o.last());
    }
}
