package dev.sshuttle.stripe;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The agent's side of striping: a unix socket in a directory of its own (created 0700, refused if
 * it exists: someone else's), where sshd delivers the client's extra channels. A connection is
 * a lane once it greeted with the session's token and an unused lane number; it is answered
 * {@link StripeWire#HELLO_OK}. Anything else is closed. The socket and its directory are removed
 * once the lanes are taken (or the session ends without them).
 */
public final class StripeListener implements AutoCloseable {
    static final Duration HELLO_WITHIN = Duration.ofSeconds(10);

    private final Path socket;
    private final Path dir;
    private final ServerSocketChannel server;
    private final byte[] token;
    private final int maxLanes;
    private final Consumer<String> debug;
    private final Map<Integer, SocketChannel> lanes = new ConcurrentHashMap<>();

    private StripeListener(Path socket, ServerSocketChannel server, byte[] token, int maxLanes, Consumer<String> debug) {
        this.socket = socket;
        this.dir = socket.getParent();
        this.server = server;
        this.token = token;
        this.maxLanes = maxLanes;
        this.debug = debug;
    }

    /** Creates the directory and listens; an IOException says why not (the offer then says so). */
    public static StripeListener open(String socketPath, byte[] token, int maxLanes, Consumer<String> debug) throws IOException {
        Path socket = Path.of(socketPath);
        if (!socket.isAbsolute() || socket.getParent() == null) throw new IOException("not an absolute socket path: " + socketPath);
        try {
            Files.createDirectory(socket.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            throw new IOException(socket.getParent() + " exists already (not ours)");
        }
        ServerSocketChannel server;
        try {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket), StripeWire.MAX_EXTRA_LANES + 1);
        } catch (IOException e) {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(socket.getParent());
            throw e;
        }
        StripeListener l = new StripeListener(socket, server, token, Math.min(maxLanes, StripeWire.MAX_EXTRA_LANES), debug);
        Thread.ofVirtual().name("stripe-accept").start(l::acceptLoop);
        return l;
    }

    public int maxLanes() {
        return maxLanes;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread.ofVirtual().name("stripe-hello").start(() -> greet(ch));
        }
    }

    /** Reads the hello (bounded in time: a silent connection is closed), answers a good one. */
    private void greet(SocketChannel ch) {
        java.util.concurrent.atomic.AtomicBoolean greeted = new java.util.concurrent.atomic.AtomicBoolean();
        var timeout = Thread.ofVirtual().start(() -> {
            try {
                TimeUnit.NANOSECONDS.sleep(HELLO_WITHIN.toNanos());
                if (!greeted.get()) ch.close();
            } catch (InterruptedException | IOException ignored) {
                // greeted in time, or closed anyway
            }
        });
        try {
            ByteBuffer hello = ByteBuffer.allocate(StripeWire.HELLO_BYTES);
            while (hello.hasRemaining()) {
                if (ch.read(hello) < 0) throw new IOException("closed before its greeting");
            }
            byte[] got = new byte[StripeWire.TOKEN_BYTES];
            hello.flip().get(got);
            int lane = Byte.toUnsignedInt(hello.get());
            if (!MessageDigest.isEqual(got, token)) throw new IOException("wrong token");
            greeted.set(true);
            if (lane < 1 || lane > maxLanes || lanes.putIfAbsent(lane, ch) != null) throw new IOException("bad lane number " + lane);
            ByteBuffer ok = ByteBuffer.wrap(new byte[] {StripeWire.HELLO_OK});
            while (ok.hasRemaining()) ch.write(ok);
            timeout.interrupt();
        } catch (IOException e) {
            greeted.set(false);
            debug.accept("extra channel refused: " + e.getMessage());
            closeQuietly(ch);
            timeout.interrupt();
        }
    }

    /**
     * The lanes the client started, in its order (all were acknowledged, so all are here);
     * every other connection is closed, and the socket removed.
     */
    public List<SocketChannel> take(List<Integer> wanted) throws IOException {
        List<SocketChannel> out = new ArrayList<>();
        for (int lane : wanted) {
            SocketChannel ch = lanes.remove(lane);
            if (ch == null) {
                out.forEach(StripeListener::closeQuietly);
                throw new IOException("the client started lane " + lane + ", which never greeted");
            }
            out.add(ch);
        }
        close();
        return out;
    }

    /** Stops listening, removes the socket and its directory, closes lanes not taken. */
    @Override
    public void close() {
        closeQuietly(server);
        lanes.values().forEach(StripeListener::closeQuietly);
        lanes.clear();
        try {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // /tmp keeps an empty directory; nothing can connect to it
        }
    }

    private static void closeQuietly(java.nio.channels.Channel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
