package dev.sshuttle.client;

import dev.sshuttle.io.EventLoop;
import dev.sshuttle.mux.Mux;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * --dns: the UDP listener that the firewall redirects DNS queries to. Each query becomes a
 * DNS_REQ channel; the agent asks a nameserver of the remote network and the reply goes back
 * to the asker from this socket (conntrack turns its source back into the nameserver's).
 * Queries unanswered after 30 s are forgotten, as in sshuttle.
 */
public final class DnsListener implements AutoCloseable {
    private static final long TIMEOUT_NANOS = 30_000_000_000L;
    private static final int MAX_PENDING = 4096;

    private final DatagramChannel socket;
    private final Map<Integer, SocketAddress> askers = new HashMap<>();
    private Mux mux;

    private DnsListener(DatagramChannel socket) {
        this.socket = socket;
    }

    /** Binds on the address, searching ports from 12300 down when the port is 0, skipping {@code avoidPort}. */
    public static DnsListener bind(InetSocketAddress address, int avoidPort) throws IOException {
        if (address.getPort() != 0) return new DnsListener(DatagramChannel.open().bind(address));
        for (int p = TransparentListener.FIRST_PORT; p >= TransparentListener.LAST_PORT; p--) {
            if (p == avoidPort) continue;
            DatagramChannel ch = DatagramChannel.open();
            try {
                ch.bind(new InetSocketAddress(address.getAddress(), p));
                return new DnsListener(ch);
            } catch (IOException e) {
                ch.close();
            }
        }
        throw new IOException("no free UDP port for the DNS listener");
    }

    public int port() {
        return socket.socket().getLocalPort();
    }

    /** Starts serving on the loop with this session's mux. Loop thread. */
    public void start(EventLoop loop, Mux mux) {
        this.mux = mux;
        askers.clear();
        loop.register(socket, SelectionKey.OP_READ, k -> readQueries(loop));
    }

    private void readQueries(EventLoop loop) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        for (int i = 0; i < 64; i++) {
            buf.clear();
            SocketAddress from = socket.receive(buf);
            if (from == null) return;
            if (askers.size() >= MAX_PENDING) continue; // shed load; the resolver retries
            int ch = mux.openDns(Arrays.copyOf(buf.array(), buf.position()));
            if (ch < 0) continue;
            askers.put(ch, from);
            loop.scheduleAt(EventLoop.now() + TIMEOUT_NANOS, () -> {
                if (askers.remove(ch) != null) mux.abandonDns(ch);
            });
        }
    }

    /** The agent's answer for a channel. Loop thread. */
    public void onResponse(int channel, byte[] reply) {
        SocketAddress to = askers.remove(channel);
        if (to == null) return;
        try {
            socket.send(ByteBuffer.wrap(reply), to);
        } catch (IOException e) {
            // the asker is gone; DNS is best effort like the UDP it rides on
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
