package dev.sshuttle.it.topology;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Optional;

/**
 * Marks a run as alive: the owning JVM holds an exclusive lock on /run/sshj-it/ID.lock for as
 * long as it lives; the kernel drops the lock when the JVM dies, even on SIGKILL. The reaper can
 * therefore tell a live run of another engineer from the leftovers of a killed one.
 */
public final class RunLock implements AutoCloseable {
    static final Path DIR = Path.of("/run/sshj-it");
    private static final String ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";

    private final String id;
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(String id, Path file, FileChannel channel, FileLock lock) {
        this.id = id;
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Creates a fresh run id and locks it. */
    public static RunLock acquireNew() {
        SecureRandom random = new SecureRandom();
        for (int attempt = 0; attempt < 20; attempt++) {
            StringBuilder id = new StringBuilder();
            for (int i = 0; i < 6; i++) id.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            Path file = DIR.resolve(id + ".lock");
            try {
                Files.createDirectories(DIR);
                FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                ch.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes()));
                return new RunLock(id.toString(), file, ch, ch.lock());
            } catch (java.nio.file.FileAlreadyExistsException taken) {
                // extremely unlikely id collision: draw again
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create run lock under " + DIR + ": " + e.getMessage(), e);
            }
        }
        throw new IllegalStateException("could not draw a free run id under " + DIR);
    }

    /**
     * Whether the run with this id is still alive. Empty when no lock file exists (a namespace
     * not made by this harness, or one whose owner never got that far).
     */
    static Optional<Boolean> isAlive(String id) {
        Path file = DIR.resolve(id + ".lock");
        if (!Files.exists(file)) return Optional.empty();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock probe = ch.tryLock();
            if (probe == null) return Optional.of(true);
            probe.release();
            return Optional.of(false);
        } catch (OverlappingFileLockException heldByThisJvm) {
            return Optional.of(true);
        } catch (IOException e) {
            return Optional.of(true); // cannot tell: leave it alone
        }
    }

    static void deleteLockFile(String id) {
        try {
            Files.deleteIfExists(DIR.resolve(id + ".lock"));
        } catch (IOException ignored) {
            // best effort: a leftover lock file only costs one stat on the next reap
        }
    }

    public String id() {
        return id;
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the lock dies with the JVM anyway
        }
    }
}
