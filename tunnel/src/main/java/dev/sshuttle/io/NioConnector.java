package dev.sshuttle.io;

import dev.sshuttle.mux.TcpTarget;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;

/** The agent's outbound connections as non-blocking JDK sockets on the event loop. */
public final class NioConnector implements Connector {
    private final EventLoop loop;

    public NioConnector(EventLoop loop) {
        this.loop = loop;
    }

    @Override
    public LocalSocket connect(TcpTarget target, ConnectOutcome outcome) throws IOException {
        // an IP literal (TcpTarget.parse admits nothing else), so this does no name lookup
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(target.ip()), target.port());
        SocketChannel socket = SocketChannel.open();
        try {
            socket.configureBlocking(false);
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            return NioSocket.connect(loop, socket, address, outcome);
        } catch (IOException | RuntimeException e) {
            LocalSockets.closeQuietly(socket);
            throw e;
        }
    }
}
