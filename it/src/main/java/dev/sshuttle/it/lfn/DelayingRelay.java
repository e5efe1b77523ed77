package dev.sshuttle.it.lfn;

import dev.sshuttle.it.sys.SocketHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A long fat network for one TCP path (the ssh connection): a relay whose listener and upstream
 * sockets live in a {@link SocketHome} (the client namespace), delaying each direction by the
 * current {@link LinkShape} (the kernel here has no netem). The shape may change between
 * connections; a chunk takes the shape it was read under. Bounded: at most
 * {@value #MAX_CONNECTIONS} connections at once (more are closed at once), each direction
 * holding at most the shape's maxQueuedBytes.
 * <pre>
 *   try (DelayingRelay lfn = DelayingRelay.start(t.client(), sshd, LinkShape.roundTrip(Duration.ofMillis(50)))) {
 *       ssh -p lfn.port() root@127.0.0.1 ...
 *   }
 * </pre>
 */
public final class DelayingRelay implements AutoCloseable {
    public static final int MAX_CONNECTIONS = 16;
    private static final int CONNECT_TIMEOUT_MS = 5000;

    private final SocketHome home;
    private final InetSocketAddress upstream;
    private final ServerSocketChannel listener;
    private final Set<Relayed> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile LinkShape shape;

    private DelayingRelay(SocketHome home, InetSocketAddress upstream, ServerSocketChannel listener, LinkShape shape) {
        this.home = home;
        this.upstream = upstream;
        this.listener = listener;
        this.shape = shape;
    }

    /** Listens on 127.0.0.1:ephemeral inside home and relays every connection to upstream. */
    public static DelayingRelay start(SocketHome home, InetSocketAddress upstream, LinkShape shape) {
        ServerSocketChannel listener = home.call(() -> {
            ServerSocketChannel ch = ServerSocketChannel.open();
            ch.bind(new InetSocketAddress("127.0.0.1", 0), MAX_CONNECTIONS);
            return ch;
        });
        DelayingRelay relay = new DelayingRelay(home, upstream, listener, shape);
        Thread.ofPlatform().daemon().name("lfn-accept").start(relay::acceptLoop);
        return relay;
    }

    public int port() {
        try {
            return ((InetSocketAddress) listener.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public LinkShape shape() {
        return shape;
    }

    /** Applies to what is read from now on, on every connection. */
    public void shape(LinkShape next) {
        shape = next;
    }

    /** Connections accepted so far, and open now (gates for the relay's own tests). */
    public int acceptedCount() {
        return accepted.get();
    }

    public int openCount() {
        return open.size();
    }

    private void acceptLoop() {
        while (listener.isOpen()) {
            SocketChannel client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            if (open.size() >= MAX_CONNECTIONS) {
                closeQuietly(client);
                continue;
            }
            Thread.ofVirtual().name("lfn-dial").start(() -> dial(client));
        }
    }

    private void dial(SocketChannel client) {
        SocketChannel up = null;
        try {
            up = home.call(SocketChannel::open);
            up.socket().connect(upstream, CONNECT_TIMEOUT_MS);
            for (SocketChannel ch : List.of(client, up)) ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Relayed r = new Relayed(client, up);
            open.add(r);
            r.start();
            if (!listener.isOpen()) r.close(); // closed while we dialled
        } catch (IOException | RuntimeException e) {
            closeQuietly(client); // upstream unreachable: the client sees its connection closed
            closeQuietly(up);
        }
    }

    /** Closes the listener and every connection through it. */
    @Override
    public void close() {
        closeQuietly(listener);
        List.copyOf(open).forEach(Relayed::close);
    }

    private static void closeQuietly(java.nio.channels.Channel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** One connection: a delay line each way; done when both passed their EOF, or at the first error. */
    private final class Relayed {
        private final SocketChannel client;
        private final SocketChannel up;
        private final AtomicBoolean closed = new AtomicBoolean();
        private final AtomicInteger linesDone = new AtomicInteger();
        private final DelayLine toServer;
        private final DelayLine toClient;

        Relayed(SocketChannel client, SocketChannel up) {
            this.client = client;
            this.up = up;
            Runnable done = () -> {
                if (linesDone.incrementAndGet() == 2) close();
            };
            toServer = new DelayLine("lfn-up", client, up, () -> shape, this::close, done);
            toClient = new DelayLine("lfn-down", up, client, () -> shape, this::close, done);
        }

        void start() {
            toServer.start();
            toClient.start();
        }

        void close() {
            if (!closed.compareAndSet(false, true)) return;
            closeQuietly(client);
            closeQuietly(up);
            toServer.stop();
            toClient.stop();
            open.remove(this);
        }
    }
}
