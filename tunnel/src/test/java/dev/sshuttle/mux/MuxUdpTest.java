package dev.sshuttle.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** UDP channels in the mux: sshuttle's UDP_OPEN / UDP_DATA / UDP_CLOSE, their queue and their turn beside TCP. */
class MuxUdpTest {
    private final List<String> serverEvents = new ArrayList<>();
    private final List<String> clientEvents = new ArrayList<>();

    private final MuxListener serverListener = new MuxListener() {
        @Override public void onUdpOpen(int channel, int family) { serverEvents.add("open " + channel + " " + family); }
        @Override public void onUdpData(int channel, byte[] payload) { serverEvents.add("data " + channel + " " + text(payload)); }
        @Override public void onUdpClose(int channel) { serverEvents.add("close " + channel); }
        @Override public void onTcpConnect(int channel, TcpTarget target) { }
    };
    private final MuxListener clientListener = new MuxListener() {
        @Override public void onUdpData(int channel, byte[] payload) { clientEvents.add("data " + channel + " " + text(payload)); }
    };

    @Test
    void aFlowOpensCarriesDatagramsBothWaysAndCloses() throws Exception {
        for (ProtocolVersion v : ProtocolVersion.values()) {
            serverEvents.clear();
            clientEvents.clear();
            Mux client = new Mux(Mux.Role.CLIENT, v, MuxConfig.defaults(), clientListener, 0);
            Mux server = new Mux(Mux.Role.SERVER, v, MuxConfig.defaults(), serverListener, 0);
            int ch = client.openUdp(10);
            assertTrue(client.sendUdpData(ch, ascii("fd00::53,53,query")));
            drain(client, server);
            assertEquals(List.of("open " + ch + " 10", "data " + ch + " fd00::53,53,query"), serverEvents, v.toString());
            assertTrue(server.sendUdpData(ch, ascii("fd00::53,53,answer")));
            drain(server, client);
            assertEquals(List.of("data " + ch + " fd00::53,53,answer"), clientEvents, v.toString());
            client.closeUdp(ch);
            drain(client, server);
            assertEquals("close " + ch, serverEvents.getLast(), v.toString());
            assertFalse(client.sendUdpData(ch, ascii("1.2.3.4,5,late")), "a closed channel takes no datagram");
        }
    }

    @Test
    void udpAndBulkTcpTakeTurnsInTheOutput() throws Exception {
        Mux client = new Mux(Mux.Role.CLIENT, ProtocolVersion.V2, MuxConfig.defaults(), clientListener, 0);
        int udp = client.openUdp(2);
        int tcp = client.openTcp(new TcpTarget(false, "10.0.0.1", 80));
        client.attach(tcp, new MuxTest.CountingSource(8L << 20, false));
        client.readable(tcp, 0);
        byte[] datagram = new byte[1000];
        System.arraycopy(ascii("10.0.0.53,53,"), 0, datagram, 0, 13);
        for (int i = 0; i < 500; i++) assertTrue(client.sendUdpData(udp, datagram));
        ByteBuffer wire = ByteBuffer.allocate(64 * 1024);
        client.drainTo(wire, 0);
        wire.flip();
        int udpFrames = 0;
        long tcpBytes = 0;
        while (wire.remaining() >= Frame.HEADER_BYTES) {
            wire.getShort(); // magic
            wire.getShort(); // channel
            int cmd = wire.getShort() & 0xffff;
            int len = wire.getShort() & 0xffff;
            if (cmd == Command.UDP_DATA) udpFrames++;
            if (cmd == Command.TCP_DATA) tcpBytes += len;
            wire.position(wire.position() + len);
        }
        assertTrue(udpFrames > 0, "datagrams go out beside the bulk channel");
        assertTrue(tcpBytes > 0, "the bulk channel is not shut out by 500 queued datagrams (" + udpFrames + " went first)");
    }

    @Test
    void aFullUdpQueueDropsDatagramsInsteadOfGrowing() {
        Mux client = new Mux(Mux.Role.CLIENT, ProtocolVersion.V2, MuxConfig.defaults(), clientListener, 0);
        int ch = client.openUdp(2);
        byte[] datagram = new byte[60_000];
        int accepted = 0;
        for (int i = 0; i < 100; i++) if (client.sendUdpData(ch, datagram)) accepted++;
        assertEquals(UdpQueue.MAX_QUEUED_BYTES / (60_000 + Frame.HEADER_BYTES), accepted);
        assertEquals(100 - accepted, client.udpDropped());
    }

    @Test
    void payloadsRoundTripAndBadOnesAreNamed() {
        var to = new java.net.InetSocketAddress(java.net.InetAddress.ofLiteral("fd00:78:1::2"), 53);
        byte[] p = UdpPayload.encode(to, ascii("xyz"), 1, 2);
        assertEquals("fd00:78:1:0:0:0:0:2,53,yz", text(p), "the JDK's long form, which every peer's inet_pton reads");
        UdpPayload.Parsed parsed = UdpPayload.parse(p);
        assertEquals(to, parsed.address());
        assertEquals("yz", StandardCharsets.US_ASCII.decode(parsed.data()).toString());
        assertEquals(null, UdpPayload.encode(to, new byte[65535], 0, 65535), "too big for a frame");
        for (String bad : List.of("1.2.3.4,53", "host,53,x", "1.2.3.4,x,y", "1.2.3.4,70000,y")) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> UdpPayload.parse(ascii(bad)), bad);
        }
    }

    private static void drain(Mux from, Mux to) throws ProtocolException {
        ByteBuffer wire = ByteBuffer.allocate(1 << 20);
        for (int n = 1; n > 0; ) {
            wire.clear();
            n = from.drainTo(wire, 0);
            wire.flip();
            to.receive(wire, 0);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
