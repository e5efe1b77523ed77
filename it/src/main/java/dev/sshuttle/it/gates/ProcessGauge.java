package dev.sshuttle.it.gates;

import dev.sshuttle.it.sys.Cmd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Reads a process's open file descriptors, resident memory and CPU time from /proc. */
public final class ProcessGauge {
    private ProcessGauge() {}

    /** Number of open fds of pid (entries of /proc/PID/fd). */
    public static int fdCount(long pid) {
        try (Stream<Path> fds = Files.list(fdDir(pid))) {
            return (int) fds.count();
        } catch (IOException e) {
            throw gone(pid, e);
        }
    }

    /**
     * Open fds of pid grouped by kind: "socket", "pipe", "anon_inode:[eventpoll]", or the file's
     * directory for regular files. Names what leaked in a failure message.
     */
    public static Map<String, Integer> fdKinds(long pid) {
        Map<String, Integer> kinds = new TreeMap<>();
        fdTargets(pid).values().forEach(target -> kinds.merge(kindOf(target), 1, Integer::sum));
        return kinds;
    }

    /**
     * Every open fd of pid and what it points to (readlink of /proc/PID/fd/N: "socket:[123]",
     * "pipe:[45]", a file path). Comparing two of these names the very fds that were added.
     */
    public static Map<Integer, String> fdTargets(long pid) {
        Map<Integer, String> targets = new TreeMap<>();
        try (Stream<Path> fds = Files.list(fdDir(pid))) {
            fds.forEach(fd -> targets.put(Integer.parseInt(fd.getFileName().toString()), readLink(fd)));
        } catch (IOException e) {
            throw gone(pid, e);
        }
        return targets;
    }

    /** "socket", "pipe", "anon_inode:[eventpoll]", or a regular file's directory ("/usr/lib/jvm/x/*"). */
    public static String kindOf(String target) {
        if (target.startsWith("socket:")) return "socket";
        if (target.startsWith("pipe:")) return "pipe";
        if (target.startsWith("anon_inode:") || target.startsWith("(")) return target;
        Path parent = Path.of(target).getParent();
        return parent == null ? target : parent + "/*";
    }

    /**
     * CPU time pid has used so far, user plus system, over all its threads, in clock ticks
     * (utime + stime, fields 14 and 15 of /proc/PID/stat); {@link #clockTicksPerSecond()} converts.
     */
    public static long cpuTicks(long pid) {
        try {
            String[] fields = statFields(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException e) {
            throw gone(pid, e);
        }
    }

    /** The kernel's clock ticks per second (getconf CLK_TCK; 100 on Linux unless told otherwise). */
    public static long clockTicksPerSecond() {
        Cmd.Result r = Cmd.run(Duration.ofSeconds(5), "getconf", "CLK_TCK");
        return r.ok() && r.stdout().strip().matches("\\d+") ? Long.parseLong(r.stdout().strip()) : 100;
    }

    /**
     * The fields of a /proc/PID/stat line from the third (state) on: the command name before
     * them may hold spaces and parens, so they start after the last ')'.
     */
    public static String[] statFields(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    /** Resident set size of pid in KiB (VmRSS of /proc/PID/status). */
    public static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
            }
            throw new IllegalStateException("pid " + pid + " has no VmRSS line (a zombie or kernel thread?)");
        } catch (IOException e) {
            throw gone(pid, e);
        }
    }

    /** Peak resident set size of pid in KiB (VmHWM of /proc/PID/status); -1 once it is gone. */
    public static long peakRssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", ""));
            }
            return -1; // a zombie: its memory is gone
        } catch (IOException e) {
            return -1;
        }
    }

    private static Path fdDir(long pid) {
        return Path.of("/proc", Long.toString(pid), "fd");
    }

    private static String readLink(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException closedMeanwhile) {
            return "(closed while listing)";
        }
    }

    private static IllegalStateException gone(long pid, IOException e) {
        String why = e instanceof NoSuchFileException ? "process " + pid + " does not exist (any more)"
                : "cannot read /proc of process " + pid + ": " + e;
        return new IllegalStateException(why, e);
    }
}
