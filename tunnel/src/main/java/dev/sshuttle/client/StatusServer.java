package dev.sshuttle.client;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Supplier;

/**
 * The running client's status socket, for {@code sshuttle status}: a unix stream socket
 * {@code <pid>.sock} in {@link StatusDirectory} (mode 0700, ours; the socket 0600), so only
 * this user can ask. A request is one line, {@code text}, {@code json} or {@code metrics}; the
 * answer is the snapshot in that form, then the connection closes. A caller that sends no line
 * within 5 s is dropped.
 */
public final class StatusServer implements AutoCloseable {
    private static final int MAX_REQUEST = 64;
    private static final long REQUEST_TIMEOUT_MILLIS = 5000;

    private final ServerSocketChannel server;
    private final Path path;
    private final Supplier<TunnelStatus> status;

    private StatusServer(ServerSocketChannel server, Path path, Supplier<TunnelStatus> status) {
        this.server = server;
        this.path = path;
        this.status = status;
    }

    /** Binds {@code <dir>/<pid>.sock} and serves on virtual threads until closed. */
    public static StatusServer start(Path dir, Supplier<TunnelStatus> status) throws IOException {
        Path path = dir.resolve(ProcessHandle.current().pid() + ".sock");
        Files.deleteIfExists(path); // a dead process of the same pid left it
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        StatusServer s = new StatusServer(server, path, status);
        Thread.ofVirtual().name("status-accept").start(s::acceptLoop);
        return s;
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread.ofVirtual().name("status-answer").start(() -> answer(c));
        }
    }

    private void answer(SocketChannel c) {
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(REQUEST_TIMEOUT_MILLIS);
                c.close(); // a silent caller: its blocked read ends
            } catch (InterruptedException | IOException e) {
                // answered in time
            }
        });
        try (c) {
            String request = readLine(c);
            watchdog.interrupt();
            TunnelStatus s = status.get();
            String reply = switch (request) {
                case "json" -> s.json();
                case "metrics" -> s.metrics();
                case "text" -> s.text();
                default -> "unknown request '" + request + "' (text, json or metrics)\n";
            };
            ByteBuffer out = ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) c.write(out);
        } catch (IOException e) {
            // the caller went away: nothing to report to
        } finally {
            watchdog.interrupt();
        }
    }

    private static String readLine(SocketChannel c) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(MAX_REQUEST);
        while (in.hasRemaining()) {
            if (c.read(in) < 0) break;
            for (int i = 0; i < in.position(); i++) {
                if (in.get(i) == '\n') return new String(in.array(), 0, i, StandardCharsets.US_ASCII).strip();
            }
        }
        return new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII).strip();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a stale socket is skipped by `sshuttle status`
        }
    }

    /** Whether path is a socket (not following a symlink). */
    static boolean isSocket(Path path) {
        try {
            return Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
        } catch (IOException e) {
            return false;
        }
    }
}
