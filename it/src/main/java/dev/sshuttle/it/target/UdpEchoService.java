package dev.sshuttle.it.target;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.util.concurrent.atomic.AtomicLong;

/** UDP echo (RFC 862): every datagram goes back, unchanged, to its sender. */
public final class UdpEchoService implements AutoCloseable {
    private final DatagramSocket socket;
    private final AtomicLong echoed = new AtomicLong();

    public UdpEchoService(DatagramSocket socket) {
        this.socket = socket;
        Thread.ofVirtual().name("udp-echo").start(this::serveLoop);
    }

    /** Datagrams echoed so far. */
    public long echoed() {
        return echoed.get();
    }

    private void serveLoop() {
        byte[] buf = new byte[65535];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
                socket.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
                echoed.incrementAndGet();
            } catch (IOException e) {
                if (socket.isClosed()) return;
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
