package dev.sshuttle.it.gates;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Reads a process's open file descriptors and resident memory from /proc. */
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
        try (Stream<Path> fds = Files.list(fdDir(pid))) {
            fds.forEach(fd -> kinds.merge(kind(fd), 1, Integer::sum));
        } catch (IOException e) {
            throw gone(pid, e);
        }
        return kinds;
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

    private static Path fdDir(long pid) {
        return Path.of("/proc", Long.toString(pid), "fd");
    }

    private static String kind(Path fd) {
        try {
            String target = Files.readSymbolicLink(fd).toString();
            if (target.startsWith("socket:")) return "socket";
            if (target.startsWith("pipe:")) return "pipe";
            if (target.startsWith("anon_inode:")) return target;
            Path parent = Path.of(target).getParent();
            return parent == null ? target : parent + "/*";
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
