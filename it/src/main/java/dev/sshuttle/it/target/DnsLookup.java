package dev.sshuttle.it.target;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/** A one-question A lookup over UDP, for tests (the JDK resolver cannot be pointed at a server). */
public final class DnsLookup {
    /** The outcome: rcode (0 NOERROR, 3 NXDOMAIN) and the first A address, if any. */
    public record Answer(int rcode, Optional<InetAddress> address) {}

    private DnsLookup() {}

    /** Sends one A query for name from socket to server, waits at most timeout for the reply. */
    public static Answer queryA(DatagramSocket socket, InetSocketAddress server, String name, Duration timeout) throws IOException {
        int id = ThreadLocalRandom.current().nextInt(1 << 16);
        ByteBuffer q = ByteBuffer.allocate(512);
        q.putShort((short) id).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0).putInt(0);
        for (String label : name.split("\\.")) {
            byte[] b = label.getBytes(StandardCharsets.US_ASCII);
            q.put((byte) b.length).put(b);
        }
        q.put((byte) 0).putShort((short) 1).putShort((short) 1);
        socket.send(new DatagramPacket(q.array(), q.position(), server));
        socket.setSoTimeout(Math.toIntExact(timeout.toMillis()));
        byte[] buf = new byte[1500];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        do {
            socket.receive(p);
        } while ((ByteBuffer.wrap(buf).getShort(0) & 0xffff) != id);
        ByteBuffer r = ByteBuffer.wrap(buf, 0, p.getLength());
        int rcode = r.getShort(2) & 0xf;
        int ancount = r.getShort(6) & 0xffff;
        if (ancount == 0) return new Answer(rcode, Optional.empty());
        // our responder answers with a name pointer: the last 4 bytes are the address
        byte[] addr = new byte[4];
        r.get(p.getLength() - 4, addr);
        return new Answer(rcode, Optional.of(InetAddress.getByAddress(addr)));
    }
}
