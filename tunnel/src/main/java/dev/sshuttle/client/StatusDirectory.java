package dev.sshuttle.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * Where running clients put their status sockets: {@code $XDG_RUNTIME_DIR/sshuttle-java}, or
 * {@code /tmp/sshuttle-java-<uid>} without it. The directory is created 0700; one that is a
 * symlink, not ours, or open to others is refused (someone else could answer in our name).
 */
public final class StatusDirectory {
    private StatusDirectory() {}

    public static Path of(Map<String, String> env) {
        String runtime = env.get("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isEmpty() && Files.isDirectory(Path.of(runtime))) {
            return Path.of(runtime, "sshuttle-java");
        }
        return Path.of("/tmp", "sshuttle-java-" + new com.sun.security.auth.module.UnixSystem().getUid());
    }

    /** The directory, created if missing; throws when it is not safe to use. */
    public static Path ensure(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // checked below
            }
        }
        check(dir);
        return dir;
    }

    /** Ours, a real directory, mode 0700. */
    public static void check(Path dir) throws IOException {
        PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        long uid = new com.sun.security.auth.module.UnixSystem().getUid();
        Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (!a.isDirectory() || ((Integer) owner).longValue() != uid
                || !PosixFilePermissions.toString(a.permissions()).equals("rwx------")) {
            throw new IOException(dir + " is not a directory of ours with mode 0700 (a symlink, someone else's, or open to others)");
        }
    }
}
