package dev.sshuttle.sys;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Skips a test that needs root or a tool that is missing, with the reason; under CI=true the
 * same gap fails the test instead, so CI cannot go green by skipping.
 */
public final class Prerequisites {
    private static final String SBIN = "/usr/local/sbin:/usr/sbin:/sbin";

    private Prerequisites() {}

    public static void requireRootAndTools(String... tools) {
        require(new com.sun.security.auth.module.UnixSystem().getUid() == 0, "needs root (network namespaces)");
        for (String tool : tools) require(onPath(tool), "needs " + tool + " on PATH");
    }

    public static void require(boolean condition, String reason) {
        if (condition) return;
        if ("true".equals(System.getenv("CI"))) fail("CI=true and a prerequisite is missing: " + reason);
        assumeTrue(false, reason);
    }

    public static boolean onPath(String program) {
        String path = SBIN + File.pathSeparator + System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) return true;
        }
        return false;
    }
}
