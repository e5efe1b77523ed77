package dev.sshuttle.mux;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The payload of UDP_DATA, both ways: {@code "<ip>,<port>,"} then the datagram (docs/protocol.md;
 * sshuttle's own is in its ssnet.py and server.py). The address is the destination (client to server) or the reply's source (server to
 * client); IPv6 without brackets or scope.
 */
public final class UdpPayload {
    /** The largest frame payload. */
    public static final int MAX_BYTES = 65535;

    private UdpPayload() {}

    /** A parsed payload: the address, and the datagram as a view of the payload. */
    public record Parsed(InetSocketAddress address, ByteBuffer data) {}

    /** The payload, or null when address and data do not fit in one frame. */
    public static byte[] encode(InetSocketAddress address, byte[] data, int offset, int length) {
        String ip = address.getAddress().getHostAddress();
        int pct = ip.indexOf('%');
        if (pct >= 0) ip = ip.substring(0, pct);
        byte[] head = (ip + "," + address.getPort() + ",").getBytes(StandardCharsets.US_ASCII);
        if (head.length + length > MAX_BYTES) return null;
        byte[] payload = new byte[head.length + length];
        System.arraycopy(head, 0, payload, 0, head.length);
        System.arraycopy(data, offset, payload, head.length, length);
        return payload;
    }

    /** Reads "ip,port,data"; throws IllegalArgumentException naming what is wrong. */
    public static Parsed parse(byte[] payload) {
        int first = indexOf(payload, 0);
        int second = first < 0 ? -1 : indexOf(payload, first + 1);
        if (second < 0) throw new IllegalArgumentException("no 'ip,port,' before the datagram");
        InetAddress ip = InetAddress.ofLiteral(new String(payload, 0, first, StandardCharsets.US_ASCII));
        int port;
        try {
            port = Integer.parseInt(new String(payload, first + 1, second - first - 1, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port is not a number");
        }
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " out of range");
        return new Parsed(new InetSocketAddress(ip, port), ByteBuffer.wrap(payload, second + 1, payload.length - second - 1));
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) if (b[i] == ',') return i;
        return -1;
    }
}
