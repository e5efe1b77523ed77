package dev.sshuttle.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs from the machine: root, a tool, a file. A missing prerequisite SKIPS the
 * test with the reason (a developer laptop without root), except under CI=true, where it FAILS:
 * CI must never go green by skipping.
 */
public final class Prerequisites {
    /** Searched after PATH: root's tools (ip, iptables, sshd) live there and a user's PATH may lack them. */
    private static final String SBIN = "/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin";

    private Prerequisites() {}

    public static boolean onCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return line.split("\\s+")[2].equals("0");
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** Absolute path of an executable found on PATH or in the sbin directories, or null. */
    public static String which(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + SBIN;
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) return candidate.toString();
        }
        return null;
    }

    public static boolean onPath(String tool) {
        return which(tool) != null;
    }

    /** Reasons root and these tools are not all here; empty when they are. */
    public static List<String> missingRootOrTools(List<String> tools) {
        List<String> missing = new ArrayList<>();
        if (!isRoot()) missing.add("needs root (network namespaces, iptables, sshd)");
        missing.addAll(missingTools(tools));
        return missing;
    }

    /** Skips (or, under CI=true, fails) unless this runs as root and every tool is on the PATH. */
    public static void requireRootAndTools(String... tools) {
        requireRootAndTools(List.of(tools));
    }

    public static void requireRootAndTools(List<String> tools) {
        require(missingRootOrTools(tools));
    }

    /** Skips (or, under CI=true, fails) unless every named tool is on the PATH. */
    public static void requireTools(String... tools) {
        require(missingTools(List.of(tools)));
    }

    /** Skips (or, under CI=true, fails) with the reason unless present. */
    public static void require(boolean present, String reason) {
        require(present ? List.of() : List.of(reason));
    }

    /** Skips (or, under CI=true, fails) when reasons is non-empty. */
    public static void require(List<String> reasons) {
        require(reasons, onCi());
    }

    static void require(List<String> reasons, boolean onCi) {
        if (reasons.isEmpty()) return;
        String message = "prerequisite missing: " + String.join("; ", reasons);
        if (onCi) {
            Assertions.fail(message + " (CI=true: a missing prerequisite fails instead of skipping)");
        }
        Assumptions.abort(message);
    }

    private static List<String> missingTools(List<String> tools) {
        return tools.stream().filter(tool -> !onPath(tool)).map(tool -> "tool '" + tool + "' is not installed").toList();
    }
}
