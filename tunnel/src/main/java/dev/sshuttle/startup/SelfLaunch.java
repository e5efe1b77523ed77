package dev.sshuttle.startup;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How another JVM runs this program's main class: the daemon child and --namespace re-exec, and
 * the root firewall helper. From the jar it is {@code -jar}, as the launcher started us: the
 * manifest grants native access and the sun.nio.ch export, and an AOT cache made for
 * {@code -jar} stays usable; the same grants as flags differ from the cache's ("Mismatched values
 * for property jdk.module.enable.native.access") and the JVM then used none of it (0 classes
 * from the cache instead of ~2000; the helper's CPU to READY 0.22 s instead of 0.16). From
 * classes (tests), {@code -cp} with the grants as flags.
 */
public final class SelfLaunch {
    /** The jar's Main-Class: only it can be started with {@code -jar}. */
    public static final String JAR_MAIN_CLASS = "dev.sshuttle.cli.Main";

    private SelfLaunch() {}

    /**
     * The arguments after the JVM's own options that run {@code mainClass}: {@code -jar} when this
     * runs from the jar and the class is its Main-Class, else {@code classpathGrants} and {@code -cp}.
     */
    public static List<String> mainArguments(String mainClass, List<String> classpathGrants) {
        Path jar = runningJar();
        if (jar != null && mainClass.equals(JAR_MAIN_CLASS)) return List.of("-jar", jar.toString());
        List<String> args = new ArrayList<>(classpathGrants);
        args.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        return args;
    }

    /** The jar this code runs from, or null when it runs from classes (tests) or cannot tell. */
    public static Path runningJar() {
        try {
            Path p = Path.of(SelfLaunch.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return p.toString().endsWith(".jar") && Files.isRegularFile(p) ? p : null;
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            return null;
        }
    }
}
