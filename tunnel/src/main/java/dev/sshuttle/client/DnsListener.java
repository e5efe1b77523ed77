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
 * <p>With --method tproxy there is no conntrack rewrite: the socket is transparent, each
 * query's original destination (the nameserver it was sent to) comes with it, and the answer
 * goes back from that address through a transparent socket bound to it.
 */
public final class DnsListener implements AutoCloseable {
    private static final long TIMEOUT_NANOS = 30_000_000_000L;
    private static final int MAX_PENDING = 4096;

    private final DatagramChannel socket;
    private final dev.sshuttle.sys.TproxyDatagrams tproxy;
    private final Map<Integer, Asker> askers = new HashMap<>();
    private Mux mux;

    /** Who asked, and (tproxy) which nameserver they asked: the answer's source. */
    private record Asker(SocketAddress from, InetSocketAddress nameserver) {}

    private DnsListener(DatagramChannel socket) {
        this(socket, null);
    }

    private DnsListener(DatagramChannel socket, dev.sshuttle.sys.TproxyDatagrams tproxy) {
        this.socket = socket;
        this.tproxy = tproxy;
    }

    /**
     * --method tproxy: a transparent socket on the address, on the first free port from 9001
     * up (the TCP and UDP listeners search from 12300 down and must not meet it). Needs root.
     */
    public static DnsListener bindTransparent(InetSocketAddress address) throws IOException {
        IOException last = null;
        for (int p = TransparentListener.LAST_PORT; p <= TransparentListener.FIRST_PORT; p++) {
            DatagramChannel ch = DatagramChannel.open(java.net.StandardProtocolFamily.INET);
            try {
                UdpFlows.transparent(ch);
                dev.sshuttle.sys.TproxyDatagrams d = dev.sshuttle.sys.TproxyDatagrams.enable(ch);
                ch.bind(new InetSocketAddress(address.getAddress(), p));
                return new DnsListener(ch, d);
            } catch (java.net.BindException e) {
                ch.close();
                last = e;
            } catch (IOException e) {
                ch.close();
                throw e;
            }
        }
        throw new IOException("no free UDP port for the DNS listener", last);
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
            byte[] query;
            Asker asker;
            if (tproxy != null) {
                dev.sshuttle.sys.TproxyDatagrams.Datagram d = tproxy.receive();
                if (d == null) return;
                if (d.data() == null || d.destination() == null) continue;
                query = d.data();
                asker = new Asker(d.source(), d.destination());
            } else {
                buf.clear();
                SocketAddress from = socket.receive(buf);
                if (from == null) return;
                query = Arrays.copyOf(buf.array(), buf.position());
                asker = new Asker(from, null);
            }
            if (askers.size() >= MAX_PENDING) continue; // shed load; the resolver retries
            int ch = mux.openDns(query);
            if (ch < 0) continue;
            askers.put(ch, asker);
            loop.scheduleAt(EventLoop.now() + TIMEOUT_NANOS, () -> {
                if (askers.remove(ch) != null) mux.abandonDns(ch);
            });
        }
    }

    /** The agent's answer for a channel. Loop thread. */
    public void onResponse(int channel, byte[] reply) {
        Asker to = askers.remove(channel);
        if (to == null) return;
        try {
            if (to.nameserver() == null) {
                socket.send(ByteBuffer.wrap(reply), to.from());
            } else {
                try (DatagramChannel from = DatagramChannel.open(java.net.StandardProtocolFamily.INET)) {
                    from.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
                    UdpFlows.transparent(from);
                    from.bind(to.nameserver());
                    from.send(ByteBuffer.wrap(reply), to.from());
                }
            }
        } catch (IOException e) {
            // the asker is gone; DNS is best effort like the UDP it rides on
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
            if (tproxy != null) tproxy.release();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
