package dev.sshuttle.firewall;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Collection;
import java.util.function.Consumer;

/**
 * The helper's block of -H names in /etc/hosts: one block between marker lines named after
 * the listener port, so instances coexist and a crashed run's block is found again. Each write
 * replaces the file atomically (a temporary file in the same directory, same owner and mode,
 * fsync, rename). A hosts file that is a mount point itself (a bind mount, as in containers)
 * cannot be renamed over; it is rewritten in place then (new bytes first, then the truncate,
 * so a reader never sees it empty). {@link #restore()} takes the block out again: with nobody
 * else editing meanwhile, the file is byte for byte what it was.
 */
final class HostsFile {
    static final Path DEFAULT = Path.of("/etc/hosts");

    private final Path path;
    private final String begin;
    private final String end;
    private final Consumer<String> log;
    private boolean inPlaceNoted;

    HostsFile(Path path, int port, Consumer<String> log) {
        this.path = path;
        this.begin = "# BEGIN sshuttle-java " + port + " (added by the tunnel, removed when it ends)";
        this.end = "# END sshuttle-java " + port + " block";
        this.log = log;
    }

    /** Writes the block with these entries in place of the old one (or none). */
    void write(Collection<HostEntry> entries) throws IOException {
        String base = withoutBlock(read());
        StringBuilder b = new StringBuilder(base);
        if (!base.isEmpty() && !base.endsWith("\n")) b.append('\n').append(begin).append(" +newline\n");
        else b.append(begin).append('\n');
        for (HostEntry e : entries) b.append(e.hostsLine()).append('\n');
        b.append(end).append('\n');
        replace(b.toString());
    }

    /** Takes our block out (if there is one); the rest of the file stays as it is. */
    void restore() throws IOException {
        if (!Files.exists(path)) return;
        String text = read();
        String without = withoutBlock(text);
        if (!without.equals(text)) replace(without);
    }

    /** The text without our block; a newline we added before it (the file had none at its end) goes too. */
    String withoutBlock(String text) {
        int start = text.indexOf(begin);
        while (start > 0 && text.charAt(start - 1) != '\n') start = text.indexOf(begin, start + 1);
        if (start < 0) return text;
        int stop = text.indexOf("\n" + end, start);
        if (stop < 0) return text; // half a block: not ours to guess at
        stop = text.indexOf('\n', stop + 1 + end.length());
        stop = stop < 0 ? text.length() : stop + 1;
        int lineEnd = text.indexOf('\n', start);
        boolean addedNewline = text.substring(start, lineEnd).endsWith(" +newline");
        int from = addedNewline && start > 0 ? start - 1 : start;
        return text.substring(0, from) + text.substring(stop);
    }

    private String read() throws IOException {
        return Files.exists(path) ? Files.readString(path, StandardCharsets.UTF_8) : "";
    }

    private void replace(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Path tmp = path.resolveSibling("." + path.getFileName() + ".sshuttle-java.tmp");
        try {
            writeSynced(tmp, bytes);
            copyOwnerAndMode(path, tmp);
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(tmp);
            rewriteInPlace(bytes, "another file system");
        } catch (FileSystemException e) {
            Files.deleteIfExists(tmp);
            // EBUSY: the hosts file is a mount point (bind-mounted); rename cannot replace it
            if (e.getMessage() == null || !e.getMessage().contains("busy")) throw e;
            rewriteInPlace(bytes, "a mount point");
        }
    }

    private void rewriteInPlace(byte[] bytes, String why) throws IOException {
        if (!inPlaceNoted) log.accept("note: " + path + " is " + why + ": rewriting it in place (not atomically)");
        inPlaceNoted = true;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) ch.write(buf, buf.position());
            ch.truncate(bytes.length);
            ch.force(true);
        }
    }

    private static void writeSynced(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(true);
        }
    }

    private static void copyOwnerAndMode(Path from, Path to) throws IOException {
        if (!Files.exists(from)) return;
        PosixFileAttributes a = Files.readAttributes(from, PosixFileAttributes.class);
        PosixFileAttributeView v = Files.getFileAttributeView(to, PosixFileAttributeView.class);
        v.setPermissions(a.permissions());
        v.setOwner(a.owner());
        v.setGroup(a.group());
    }
}
