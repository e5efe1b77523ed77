package dev.sshuttle.it.target;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP service: after {@link #start()}, one virtual thread accepts, one virtual thread per connection runs
 * {@link #serve}. The listening socket is created by the caller (inside the target namespace);
 * accepted sockets belong to the same namespace whatever thread accepts them.
 */
public abstract class TcpService implements AutoCloseable {
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private volatile SocketAddress lastPeer;

    protected TcpService(ServerSocket server) {
        this.server = server;
    }

    /** Starts accepting; separate from the constructor so subclasses are complete first. */
    public void start() {
        Thread.ofVirtual().name(getClass().getSimpleName() + "-accept").start(this::acceptLoop);
    }

    /** Handles one connection; the socket is closed afterwards. */
    protected abstract void serve(Socket socket) throws IOException;

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** Connections accepted so far. */
    public long accepted() {
        return accepted.get();
    }

    /** Connections currently open: must return to 0 once clients are done (leak gate). */
    public int openConnections() {
        return open.size();
    }

    /** Peer of the latest connection (e.g. the gateway's address when tunnelled). */
    public SocketAddress lastPeer() {
        return lastPeer;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.incrementAndGet();
                lastPeer = s.getRemoteSocketAddress();
                open.add(s);
                Thread.ofVirtual().name(getClass().getSimpleName() + "-conn").start(() -> run(s));
            } catch (IOException e) {
                if (server.isClosed()) return;
            }
        }
    }

    private void run(Socket s) {
        try (s) {
            serve(s);
        } catch (IOException peerWentAway) {
            // resets and aborted transfers are normal under fault injection
        } finally {
            open.remove(s);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
