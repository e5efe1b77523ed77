package dev.sshuttle.firewall;

import dev.sshuttle.startup.SelfLaunch;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that starts the helper from this very program:
 * {@code [sudo -p '[local sudo] Password: ' | doas] <java> -jar <this jar> --firewall --method M},
 * or {@code <java> -cp <class path> dev.sshuttle.cli.Main --firewall ...} when running from
 * class directories (tests, IDE). No sudo when already root.
 */
public final class HelperCommand {
    static final String MAIN_CLASS = SelfLaunch.JAR_MAIN_CLASS;
    /** The helper is tiny and short-lived per call: start fast, stay small. */
    static final List<String> JVM_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m",
            "-XX:+UseCompactObjectHeaders", // as the client: the AOT cache it shares is refused with other header flags
            "-Xss512k");

    /** Set by the launcher to the AOT cache the client runs with: the helper runs the same jar and JDK. */
    static final String AOT_CACHE_ENV = "SSHUTTLE_AOT_CACHE";

    private HelperCommand() {}

    /** -XX:AOTCache for the helper when the launcher named an existing cache (a JVM that cannot use it ignores it). */
    static List<String> aotCache(String path) {
        if (path == null || path.isEmpty() || !Files.isRegularFile(Path.of(path))) return List.of();
        return List.of("-XX:AOTCache=" + path);
    }

    public static List<String> forThisProgram(String method) throws IOException {
        List<String> command = new ArrayList<>(privilegePrefix());
        command.addAll(helperArgv(method));
        return command;
    }

    /** The helper's own command line, without sudo/doas: what a sudoers rule must allow. */
    public static List<String> helperArgv(String method) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(JVM_FLAGS);
        command.addAll(aotCache(System.getenv(AOT_CACHE_ENV)));
        command.addAll(SelfLaunch.mainArguments(MAIN_CLASS, List.of("--enable-native-access=ALL-UNNAMED")));
        command.addAll(List.of("--firewall", "--method", method));
        return command;
    }

    /** The java launcher of the running JVM, so the helper runs the same JDK. */
    public static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static List<String> privilegePrefix() throws IOException {
        if (isRoot()) return List.of();
        if (onPath("sudo")) return List.of("sudo", "-p", "[local sudo] Password: ");
        if (onPath("doas")) return List.of("doas");
        throw new IOException("the firewall helper needs root: run as root, or install sudo or doas");
    }

    static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    private static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) return true;
        }
        return false;
    }

}
