package dev.sshuttle.agent;

import dev.sshuttle.io.EventLoop;
import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.UdpPayload;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Agent side of UDP channels (sshuttle's UdpProxy): one unconnected socket per channel;
 * UDP_DATA "ip,port,data" is sent there, replies come back as UDP_DATA "ip,port,data" naming
 * their source. A bad datagram is dropped with a log line; UDP never ends the session.
 */
final class UdpRelay {
    private static final int MAX_DATAGRAM = 65507;

    private final EventLoop loop;
    private final Consumer<String> log;
    private final Map<Integer, DatagramChannel> sockets = new HashMap<>();

    UdpRelay(EventLoop loop, Consumer<String> log) {
        this.loop = loop;
        this.log = log;
    }

    void open(Mux mux, int channel, int family) {
        try {
            DatagramChannel udp = DatagramChannel.open(family == 2 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
            sockets.put(channel, udp);
            loop.register(udp, SelectionKey.OP_READ, k -> relayReplies(mux, channel, udp));
        } catch (IOException e) {
            log.accept("UDP channel " + channel + ": cannot open a socket: " + e.getMessage());
        }
    }

    private void relayReplies(Mux mux, int channel, DatagramChannel udp) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(MAX_DATAGRAM);
        for (int i = 0; i < 64; i++) {
            buf.clear();
            InetSocketAddress from = (InetSocketAddress) udp.receive(buf);
            if (from == null) return;
            byte[] payload = UdpPayload.encode(from, buf.array(), 0, buf.position());
            if (payload != null) mux.sendUdpData(channel, payload);
        }
    }

    void send(int channel, byte[] payload) {
        DatagramChannel udp = sockets.get(channel);
        if (udp == null) return;
        try {
            UdpPayload.Parsed p = UdpPayload.parse(payload);
            udp.send(p.data(), p.address());
        } catch (IOException | IllegalArgumentException e) {
            log.accept("UDP channel " + channel + ": datagram dropped: " + e.getMessage());
        }
    }

    void close(int channel) {
        DatagramChannel udp = sockets.remove(channel);
        if (udp == null) return;
        try {
            udp.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    void closeAll() {
        for (Integer ch : sockets.keySet().toArray(new Integer[0])) close(ch);
    }
}
