package dev.sshuttle.firewall;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;

/**
 * Where the helper, running as root, finds iptables and nft: only in fixed system directories,
 * never through a PATH (the JDK looks a bare program name up in the parent's PATH, which sudo
 * may have kept from the user, with ~/.local/bin in it). A candidate counts only when it, the
 * file it finally links to, and the directories of both are owned by root and writable by
 * nobody else. The path returned is the candidate itself, not its target: the xtables
 * multi-call binary decides what it is from the name it was started as.
 */
public final class ToolPaths {
    static final List<Path> DIRECTORIES = List.of(Path.of("/usr/sbin"), Path.of("/sbin"), Path.of("/usr/bin"),
            Path.of("/bin"), Path.of("/usr/local/sbin"), Path.of("/usr/local/bin"));
    /** The PATH the tools themselves run with. */
    public static final String SAFE_PATH = "/usr/sbin:/sbin:/usr/bin:/bin";

    private ToolPaths() {}

    /** The absolute path of a trusted {@code name}, or null when there is none. */
    public static String find(String name) {
        return find(name, DIRECTORIES);
    }

    static String find(String name, List<Path> directories) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) throw new IllegalArgumentException("not a program name: " + name);
        for (Path dir : directories) {
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate) && trusted(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    /** Root-owned and not writable by group or others: the file, its real target, and their directories. */
    static boolean trusted(Path candidate) {
        try {
            Path real = candidate.toRealPath();
            return safe(candidate.getParent().toRealPath()) && safe(real) && safe(real.getParent());
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean safe(Path p) throws IOException {
        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> perms = a.permissions();
        boolean rootOwned = Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS).equals(0);
        return rootOwned && !perms.contains(PosixFilePermission.GROUP_WRITE) && !perms.contains(PosixFilePermission.OTHERS_WRITE);
    }
}
