package dev.sshuttle.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Behaviour of the mux core that the simulation found wrong once; each test fails without its fix. */
class MuxTest {
    private static final long MS = 1_000_000L;
    private static final TcpTarget TARGET = new TcpTarget(false, "10.0.0.1", 80);

    /** Records listener calls as text, in order. */
    private static final class Recorder implements MuxListener {
        final List<String> events = new ArrayList<>();
        long dataBytes;

        @Override public void onTcpConnect(int channel, TcpTarget target) { events.add("connect " + channel); }
        @Override public void onData(int channel, byte[] data) { dataBytes += data.length; }
        @Override public void onEof(int channel) { events.add("eof " + channel); }
        @Override public void onReset(int channel, String message) { events.add("reset " + channel); }
        @Override public void onConnectFailed(int channel, ConnectFailure reason, String message) {
            events.add("failed " + channel + " " + reason);
        }
        @Override public void onChannelFreed(int channel) { events.add("freed " + channel); }
    }

    private final Recorder clientEvents = new Recorder();
    private final Recorder serverEvents = new Recorder();

    @Test
    void classicChannelThatGotDataWhileWaitingForPongIsSentAfterThePong() throws Exception {
        MuxConfig config = MuxConfig.defaults().withLatencyControl(true, 4096);
        Mux client = new Mux(Mux.Role.CLIENT, ProtocolVersion.V1, config, clientEvents, 0);
        Mux server = new Mux(Mux.Role.SERVER, ProtocolVersion.V1, config, serverEvents, 0);
        int first = client.openTcp(TARGET);
        int second = client.openTcp(TARGET);
        client.send(first, ByteBuffer.wrap(new byte[8192]));
        drain(client, server, 1 * MS); // past 4096 bytes: PING "rttest" out, data held until the PONG
        assertTrue(serverEvents.dataBytes < 8192 + 1, "latency control holds data back");
        client.send(second, ByteBuffer.wrap(new byte[100])); // arrives while blocked
        for (int i = 0; i < 10; i++) {
            drain(client, server, (2 + i) * MS);
            drain(server, client, (2 + i) * MS);
        }
        assertEquals(8192 + 100, serverEvents.dataBytes, "both channels' data must arrive after the PONG");
    }

    @Test
    void resetAndConnectFailureComeBeforeChannelFreed() throws Exception {
        Mux client = new Mux(Mux.Role.CLIENT, ProtocolVersion.V2, MuxConfig.defaults(), clientEvents, 0);
        Mux server = new Mux(Mux.Role.SERVER, ProtocolVersion.V2, MuxConfig.defaults(), serverEvents, 0);
        int refused = client.openTcp(TARGET);
        int reset = client.openTcp(TARGET);
        drain(client, server, 0);
        server.connectFailed(refused, ConnectFailure.REFUSED, "Connection refused");
        server.connected(reset);
        server.reset(reset, "peer reset");
        drain(server, client, 0);
        assertEquals(List.of("failed 1 REFUSED", "freed 1", "reset 2", "freed 2"), clientEvents.events);
        assertFalse(client.isOpen(refused) || client.isOpen(reset));
        assertEquals(0, client.openChannelCount());
    }

    @Test
    void receivingMuxMeasuresTheRoundTripSoWindowsCanGrow() throws Exception {
        Mux client = new Mux(Mux.Role.CLIENT, ProtocolVersion.V2, MuxConfig.defaults(), clientEvents, 0);
        Mux server = new Mux(Mux.Role.SERVER, ProtocolVersion.V2, MuxConfig.defaults(), serverEvents, 0);
        int ch = client.openTcp(TARGET);
        drain(client, server, 0);
        server.connected(ch);
        server.send(ch, ByteBuffer.wrap(new byte[100_000]));
        drain(server, client, 0);
        client.consumed(ch, 100_000);          // the client's application took it all
        drain(client, server, 0);              // PING "rtt" and TCP_WINDOW go out
        drain(server, client, 50 * MS);        // PONG comes back 50 ms later
        assertEquals(50 * MS, client.smoothedRttNanos());
        server.send(ch, ByteBuffer.wrap(new byte[200_000]));
        drain(server, client, 51 * MS);
        client.consumed(ch, 200_000);          // 200 KB in 1 ms: far more than the window per round trip
        assertTrue(client.receiveWindow(ch) > MuxConfig.INITIAL_WINDOW, "window " + client.receiveWindow(ch));
    }

    @Test
    void freedChannelNumberCoolsDownBeforeReuse() {
        Mux client = new Mux(Mux.Role.CLIENT, ProtocolVersion.V2, MuxConfig.defaults().withMaxChannel(2), clientEvents, 0);
        int first = client.openTcp(TARGET);
        client.reset(first, "gave up");           // the server may still send frames for it
        client.tick(100 * MS);
        int second = client.openTcp(TARGET);
        assertEquals(2, second, "a number freed 100 ms ago is not reused");
        assertEquals(-1, client.openTcp(TARGET), "no number free: the connection is turned away");
        client.tick(2_100 * MS);
        assertEquals(first, client.openTcp(TARGET), "after the cool-down the number is reused");
    }

    @Test
    void dataBeyondTheWindowIsAProtocolError() throws Exception {
        Mux client = new Mux(Mux.Role.CLIENT, ProtocolVersion.V2, MuxConfig.defaults(), clientEvents, 0);
        client.openTcp(TARGET);
        ByteBuffer frames = ByteBuffer.allocate(5 * (Frame.HEADER_BYTES + Frame.MAX_PAYLOAD));
        for (int i = 0; i < 5; i++) FrameEncoder.write(frames, new Frame(1, Command.TCP_DATA, new byte[Frame.MAX_PAYLOAD]));
        frames.flip();
        ProtocolException e = assertThrows(ProtocolException.class, () -> client.receive(frames, 0));
        assertEquals("channel 1 sent 65535 bytes with only 4 bytes of window left", e.getMessage());
    }

    private static void drain(Mux from, Mux to, long nowNanos) throws ProtocolException {
        ByteBuffer wire = ByteBuffer.allocate(1 << 20);
        from.drainTo(wire, nowNanos);
        wire.flip();
        to.receive(wire, nowNanos);
    }
}
