package dev.sshuttle.it.target;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * An authoritative-only DNS responder over UDP: A queries for the names in its table get one
 * answer (TTL 60), other types for known names get an empty NOERROR, unknown names NXDOMAIN.
 * Every query is recorded (name and sender) so tests can see which path it took.
 */
public final class DnsService implements AutoCloseable {
    /** One query as the service saw it. */
    public record Query(String name, int type, SocketAddress from) {}

    private static final int MAX_RECORDED = 1000;
    private static final int TYPE_A = 1;
    private final DatagramSocket socket;
    private final Map<String, Inet4Address> records;
    private final ConcurrentLinkedDeque<Query> queries = new ConcurrentLinkedDeque<>();

    public DnsService(DatagramSocket socket, Map<String, Inet4Address> records) {
        this.socket = socket;
        this.records = Map.copyOf(records);
        Thread.ofVirtual().name("dns").start(this::serveLoop);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** The most recent queries (at most 1000), oldest first. */
    public List<Query> queries() {
        return new ArrayList<>(queries);
    }

    private void serveLoop() {
        byte[] buf = new byte[1500];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
                byte[] reply = answer(ByteBuffer.wrap(p.getData(), 0, p.getLength()), p.getSocketAddress());
                if (reply != null) socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
            } catch (IOException e) {
                if (socket.isClosed()) return;
            }
        }
    }

    /** Builds the reply, or null for a packet too malformed to answer. */
    private byte[] answer(ByteBuffer q, SocketAddress from) {
        if (q.remaining() < 12) return null;
        int id = q.getShort(0) & 0xffff;
        int flags = q.getShort(2) & 0xffff;
        int qdcount = q.getShort(4) & 0xffff;
        if ((flags & 0x8000) != 0 || qdcount != 1) return null;
        q.position(12);
        StringBuilder name = new StringBuilder();
        for (int len; q.hasRemaining() && (len = q.get() & 0xff) != 0; ) {
            if (len > 63 || q.remaining() < len) return null;
            byte[] label = new byte[len];
            q.get(label);
            if (!name.isEmpty()) name.append('.');
            name.append(new String(label, java.nio.charset.StandardCharsets.US_ASCII));
        }
        if (q.remaining() < 4) return null;
        int type = q.getShort() & 0xffff;
        q.getShort(); // class
        int questionEnd = q.position();
        String key = name.toString().toLowerCase(Locale.ROOT);
        record(new Query(key, type, from));

        Inet4Address addr = records.get(key);
        boolean known = addr != null;
        boolean withAnswer = known && type == TYPE_A;
        ByteBuffer r = ByteBuffer.allocate(questionEnd + (withAnswer ? 16 : 0));
        r.putShort((short) id);
        r.putShort((short) (0x8400 | (flags & 0x0100) | (known ? 0 : 3))); // QR AA, copy RD, NXDOMAIN
        r.putShort((short) 1).putShort((short) (withAnswer ? 1 : 0)).putShort((short) 0).putShort((short) 0);
        r.put(q.array(), q.arrayOffset() + 12, questionEnd - 12);
        if (withAnswer) {
            r.putShort((short) 0xc00c).putShort((short) TYPE_A).putShort((short) 1).putInt(60).putShort((short) 4);
            r.put(addr.getAddress());
        }
        return r.array();
    }

    private void record(Query query) {
        queries.addLast(query);
        while (queries.size() > MAX_RECORDED) queries.pollFirst();
    }

    @Override
    public void close() {
        socket.close();
    }
}
