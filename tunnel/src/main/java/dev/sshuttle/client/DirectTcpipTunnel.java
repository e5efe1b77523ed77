package dev.sshuttle.client;

import dev.sshuttle.exit.ExitCodes;

import dev.sshuttle.io.LocalSockets;
import dev.sshuttle.transport.BuiltinSsh;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.ChannelPipedInputStream;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * {@code --agent none}: no agent on the remote at all (for servers without python or a JDK).
 * Each captured connection becomes an ssh direct-tcpip channel ({@code ssh -W}'s mechanism) of
 * one builtin ssh session, so the server needs only sshd with TCP forwarding allowed. What is
 * lost against the agents: DNS capture, -N, and the mux's fair scheduling (ssh's own channel
 * windows apply); a refused connect still reaches the application as a reset.
 */
public final class DirectTcpipTunnel {
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);
    private static final int COPY_BYTES = 64 * 1024;

    private final TunnelSettings settings;
    private final BuiltinSsh ssh;
    private final Supplier<? extends Firewall> firewallFactory;
    private final DestinationLookup lookup;
    private final TunnelClient.Log log;
    private final Runnable onConnected;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    private volatile Selector selector;

    public DirectTcpipTunnel(TunnelSettings settings, BuiltinSsh ssh, Supplier<? extends Firewall> firewallFactory,
                             DestinationLookup lookup, TunnelClient.Log log, Runnable onConnected) {
        this.settings = settings;
        this.ssh = ssh;
        this.firewallFactory = firewallFactory;
        this.lookup = lookup;
        this.log = log;
        this.onConnected = onConnected;
    }

    /** Runs until stopped (0) or until the ssh session ends (255, as ssh). */
    public int run() {
        try (ClientSession session = ssh.openSession();
             TransparentListener listener = TransparentListener.bind(settings.listen());
             Firewall firewall = firewallFactory.get(); // closed before the listener (see TunnelClient)
             Selector sel = Selector.open()) {
            selector = sel;
            firewall.install(listener.port(), listener.addresses(), ssh.serverAddresses(), "");
            log.log(0, "Connected to server.");
            onConnected.run();
            for (ServerSocketChannel server : listener.sockets()) {
                server.configureBlocking(false);
                server.register(sel, SelectionKey.OP_ACCEPT);
            }
            while (!stopping && session.isOpen()) {
                sel.select(1000);
                for (SelectionKey key : sel.selectedKeys()) accept(session, listener, (ServerSocketChannel) key.channel());
                sel.selectedKeys().clear();
            }
            if (stopping) return ExitCodes.OK;
            log.log(0, "sshuttle: the ssh session to " + ssh.describe() + " ended");
            return ExitCodes.SSH_FAILED;
        } catch (Exception e) {
            log.log(0, "sshuttle: " + e.getMessage());
            return ExitCodes.REMOTE_FATAL;
        } finally {
            for (SocketChannel s : open) LocalSockets.reset(s);
        }
    }

    public void stop() {
        stopping = true;
        Selector s = selector;
        if (s != null) s.wakeup();
    }

    private void accept(ClientSession session, TransparentListener listener, ServerSocketChannel server) {
        SocketChannel socket;
        try {
            socket = listener.accept(server);
        } catch (IOException e) {
            log.log(0, "accept failed: " + e.getMessage());
            return;
        }
        if (socket == null) return;
        open.add(socket);
        Thread.ofVirtual().name("direct-tcpip").start(() -> bridge(session, socket));
    }

    /** One connection: open the channel to its original destination, then copy both ways. */
    private void bridge(ClientSession session, SocketChannel socket) {
        ChannelDirectTcpip channel = null;
        try {
            socket.configureBlocking(true);
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            InetSocketAddress to = lookup.originalDestination(socket);
            InetSocketAddress from = (InetSocketAddress) socket.getRemoteAddress();
            channel = new HalfClosingDirectTcpip(new SshdSocketAddress(from.getHostString(), from.getPort()),
                    new SshdSocketAddress(to.getAddress().getHostAddress(), to.getPort()));
            session.getService(ConnectionService.class).registerChannel(channel);
            channel.open().verify(OPEN_TIMEOUT);
            log.log(2, "direct-tcpip to " + to);
            ChannelDirectTcpip ch = channel;
            Thread up = Thread.ofVirtual().start(() -> socketToChannel(socket, ch.getInvertedIn()));
            channelToSocket(ch.getInvertedOut(), socket);
            up.join();
            LocalSockets.closeQuietly(socket);
        } catch (IOException e) {
            log.log(1, "direct-tcpip failed: " + e.getMessage());
            LocalSockets.reset(socket); // refused or unreachable: the application sees a reset, not a clean end
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LocalSockets.reset(socket);
        } finally {
            if (channel != null) channel.close(false);
            open.remove(socket);
        }
    }

    // The socket is used directly, not through Channels.newInputStream/newOutputStream: those
    // hold the channel's blocking lock while a read blocks, so the other direction could not write.

    /** Local application to the channel; at its EOF, the channel's EOF. */
    private static void socketToChannel(SocketChannel socket, OutputStream out) {
        ByteBuffer buf = ByteBuffer.allocate(COPY_BYTES);
        try {
            while (socket.read(buf.clear()) >= 0) {
                out.write(buf.array(), 0, buf.position());
                out.flush();
            }
        } catch (IOException ignored) {
            // the other direction or the session ended
        }
        try {
            out.close(); // sends the channel EOF
        } catch (IOException ignored) {
            // already closed
        }
    }

    /** The channel to the local application; at its EOF, shutdownOutput (a half-close). */
    private static void channelToSocket(InputStream in, SocketChannel socket) {
        byte[] buf = new byte[COPY_BYTES];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                while (b.hasRemaining()) socket.write(b);
            }
            socket.shutdownOutput();
        } catch (IOException ignored) {
            // the application or the session went away
        }
    }

    /**
     * MINA's direct-tcpip channel hands the server's EOF to its input stream only when the
     * channel closes, which needs our EOF too: a server that answers and closes first (a
     * download) would leave the application waiting. This passes the EOF on at once.
     */
    private static final class HalfClosingDirectTcpip extends ChannelDirectTcpip {
        HalfClosingDirectTcpip(SshdSocketAddress local, SshdSocketAddress remote) {
            super(local, remote);
        }

        @Override
        public void handleEof() throws IOException {
            super.handleEof();
            if (getInvertedOut() instanceof ChannelPipedInputStream pipe) pipe.eof();
        }
    }
}
