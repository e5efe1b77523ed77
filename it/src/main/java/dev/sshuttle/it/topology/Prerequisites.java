package dev.sshuttle.it.topology;

import dev.sshuttle.it.sys.Cmd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a namespace test needs from the machine. A missing prerequisite SKIPS the test with the
 * reason (a developer laptop without root), except under CI=true where it FAILS: CI must never go
 * green by skipping everything.
 */
public final class Prerequisites {
    /** The tools the topology itself runs. */
    public static final List<String> TOPOLOGY_TOOLS = List.of("ip", "sshd", "ssh", "ssh-keygen", "python3");

    private Prerequisites() {}

    public static boolean onCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return line.split("\\s+")[2].equals("0");
            }
        } catch (java.io.IOException e) {
            return false;
        }
        return false;
    }

    /** Reasons the topology cannot run here; empty when it can. */
    public static List<String> missingForTopology() {
        List<String> missing = new ArrayList<>();
        if (!isRoot()) missing.add("must run as root (network namespaces, sshd, iptables)");
        for (String tool : TOPOLOGY_TOOLS) {
            if (Cmd.which(tool) == null) missing.add("tool '" + tool + "' is not installed");
        }
        return missing;
    }

    /** Skips (or, under CI=true, fails) unless the topology can be built. */
    public static void requireTopology() {
        require(missingForTopology());
    }

    /** Skips (or, under CI=true, fails) unless every named tool is on the PATH. */
    public static void requireTools(String... tools) {
        List<String> missing = new ArrayList<>();
        for (String tool : tools) {
            if (Cmd.which(tool) == null) missing.add("tool '" + tool + "' is not installed");
        }
        require(missing);
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
}
