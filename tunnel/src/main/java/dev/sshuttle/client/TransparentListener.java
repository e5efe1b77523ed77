package dev.sshuttle.client;

import dev.sshuttle.sys.SocketOptions;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The local listener the firewall redirects captured connections to. Binds every listen
 * address on one port, searching 12300 down to 9001 as sshuttle does when the port is 0.
 * Keeps one spare file descriptor so that under EMFILE it can still accept-and-close
 * instead of spinning on a readable listener.
 */
public final class TransparentListener implements AutoCloseable {
    public static final int FIRST_PORT = 12300;
    public static final int LAST_PORT = 9001;
    private static final int BACKLOG = 1024;

    private final List<ServerSocketChannel> sockets;
    private final int port;
    private FileChannel spareFd;

    private TransparentListener(List<ServerSocketChannel> sockets, int port) throws IOException {
        this.sockets = sockets;
        this.port = port;
        this.spareFd = openSpare();
    }

    /** Binds all addresses; a port of 0 in the addresses means "search 12300..9001". */
    public static TransparentListener bind(List<InetSocketAddress> addresses) throws IOException {
        return bind(addresses, false);
    }

    /**
     * As {@link #bind(List)}; with {@code transparent} the sockets get IP_TRANSPARENT, which
     * TPROXY requires of the socket it hands connections to (--method tproxy; needs root).
     */
    public static TransparentListener bind(List<InetSocketAddress> addresses, boolean transparent) throws IOException {
        int wanted = addresses.getFirst().getPort();
        if (wanted != 0) return new TransparentListener(bindAll(addresses, wanted, transparent), wanted);
        IOException last = null;
        for (int p = FIRST_PORT; p >= LAST_PORT; p--) {
            try {
                return new TransparentListener(bindAll(addresses, p, transparent), p);
            } catch (BindException e) {
                last = e;
            }
        }
        throw new IOException("no free port between " + LAST_PORT + " and " + FIRST_PORT + " to listen on", last);
    }

    private static List<ServerSocketChannel> bindAll(List<InetSocketAddress> addresses, int port, boolean transparent)
            throws IOException {
        List<ServerSocketChannel> bound = new ArrayList<>();
        try {
            for (InetSocketAddress a : addresses) {
                // the address's own family: the JDK's default is a dual-stack IPv6 socket, which
                // would make 0.0.0.0 look like an IPv6 listener and capture no IPv4 subnet
                boolean v6 = a.getAddress() instanceof Inet6Address;
                ServerSocketChannel s = ServerSocketChannel.open(v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
                bound.add(s);
                if (v6) SocketOptions.setIpv6Only(s);
                if (transparent) UdpFlows.transparent(s);
                s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                s.bind(new InetSocketAddress(a.getAddress(), port), BACKLOG);
            }
            return bound;
        } catch (IOException e) {
            for (ServerSocketChannel s : bound) s.close();
            if (e instanceof BindException) throw e;
            throw new IOException("cannot listen on port " + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return port;
    }

    public List<ServerSocketChannel> sockets() {
        return sockets;
    }

    public List<InetSocketAddress> addresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (ServerSocketChannel s : sockets) {
            try {
                out.add((InetSocketAddress) s.getLocalAddress());
            } catch (IOException ignored) {
                // closed: not listening any more
            }
        }
        return out;
    }

    /**
     * Accepts one connection. Under EMFILE/ENFILE it gives up the spare descriptor, accepts
     * and closes the connection at once (the client sees a reset rather than a hang), and
     * takes the spare back. Returns null when there was nothing to accept or it was shed.
     */
    public SocketChannel accept(ServerSocketChannel server) throws IOException {
        try {
            return server.accept();
        } catch (IOException e) {
            if (!isOutOfFds(e)) throw e;
            if (spareFd != null) {
                spareFd.close();
                spareFd = null;
            }
            try (SocketChannel shed = server.accept()) {
                if (shed != null) shed.setOption(StandardSocketOptions.SO_LINGER, 0);
            } catch (IOException ignored) {
                // still no descriptor: the caller backs off
            }
            try {
                spareFd = openSpare();
            } catch (IOException ignored) {
                // retried on the next EMFILE
            }
            throw new OutOfDescriptorsException(e.getMessage());
        }
    }

    /** EMFILE/ENFILE on accept: the caller should back off briefly. */
    public static final class OutOfDescriptorsException extends IOException {
        OutOfDescriptorsException(String message) {
            super("out of file descriptors (" + message + "); shed one connection");
        }
    }

    static boolean isOutOfFds(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("Too many open files");
    }

    /** sshuttle's loop guard: a connection whose original destination is this listener. */
    public boolean isSelf(InetSocketAddress destination) {
        if (destination.getPort() != port) return false;
        InetAddress a = destination.getAddress();
        if (a.isAnyLocalAddress() || a.isLoopbackAddress()) return true;
        try {
            return NetworkInterface.getByInetAddress(a) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    private static FileChannel openSpare() throws IOException {
        return FileChannel.open(Path.of("/dev/null"), StandardOpenOption.READ);
    }

    @Override
    public void close() {
        for (ServerSocketChannel s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            if (spareFd != null) spareFd.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
