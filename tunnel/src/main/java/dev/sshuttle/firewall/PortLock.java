package dev.sshuttle.firewall;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * One helper per listener port and network namespace: the helper holds an exclusive lock on
 * {@code /run/sshuttle-java/net<inode>-<port>.lock} from before it touches any rule of the port
 * until its cleanup is done. Without it, a second instance on a port a running one uses
 * "removed stale rules" that were live, and its own cleanup took the first one's capture away.
 * The kernel drops the lock when the helper dies, so a crashed run never blocks the next.
 */
final class PortLock implements AutoCloseable {
    static final Path DIRECTORY = Path.of("/run/sshuttle-java");

    private final FileChannel file;
    private final FileLock lock;

    private PortLock(FileChannel file, FileLock lock) {
        this.file = file;
        this.lock = lock;
    }

    /** Takes the port's lock, or says which port is in use by another running helper. */
    static PortLock acquire(int port) throws IOException {
        return acquire(DIRECTORY, networkNamespace(), port);
    }

    static PortLock acquire(Path directory, String namespace, int port) throws IOException {
        ensurePrivateDirectory(directory);
        Path path = directory.resolve(namespace + "-" + port + ".lock");
        FileChannel file = FileChannel.open(path, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        FileLock lock;
        try {
            lock = file.tryLock();
        } catch (OverlappingFileLockException sameProcess) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
        if (lock == null) {
            file.close();
            throw new FirewallException("port " + port + " is in use by another running sshuttle in this network"
                    + " namespace (it holds " + path + "); its rules stay; choose another port with -l");
        }
        return new PortLock(file, lock);
    }

    /** The directory must be ours, a real directory and writable by nobody else: we run as root. */
    private static void ensurePrivateDirectory(Path directory) throws IOException {
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another helper made it first: checked below like any other
            }
        }
        PosixFileAttributes attributes = Files.readAttributes(directory, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Object owner = Files.getAttribute(directory, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Object us = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        Set<PosixFilePermission> permissions = attributes.permissions();
        if (!attributes.isDirectory() || !owner.equals(us) || permissions.contains(PosixFilePermission.GROUP_WRITE)
                || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new FirewallException(directory + " is not a directory of ours that only we may write (owner uid "
                    + owner + ", " + PosixFilePermissions.toString(permissions) + "): refusing to keep port locks there");
        }
    }

    /** "net4026531840": rules live per network namespace, so do the locks (read for this thread, which may have entered one). */
    static String networkNamespace() throws IOException {
        String link = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString(); // net:[4026531840]
        return "net" + link.replaceAll("[^0-9]", "");
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            file.close();
        }
    }
}
