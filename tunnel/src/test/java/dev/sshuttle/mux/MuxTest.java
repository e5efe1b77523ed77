package dev.sshuttle.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Behaviour of the mux core; each test fails without the rule it names. */
class MuxTest {
    private static final long MS = 1_000_000L;
    private static final TcpTarget TARGET = new TcpTarget(false, "10.0.0.1", 80);

    /** Records listener calls as text, in order; consumes data at once unless told to hold it. */
    private static final class Recorder implements MuxListener {
        final List<String> events = new ArrayList<>();
        final Map<Integer, Long> dataBytes = new HashMap<>();
        Mux mux;
        boolean consume = true;
        int holdChannel = -1;

        @Override public void onTcpConnect(int channel, TcpTarget target) { events.add("connect " + channel); }
        @Override public void onData(int channel, ByteBuffer data) {
            int n = data.remaining();
            dataBytes.merge(channel, (long) n, Long::sum);
            data.position(data.limit());
            if (consume && channel != holdChannel) mux.consumed(channel, n);
        }
        @Override public void onEof(int channel) { events.add("eof " + channel); }
        @Override public void onReset(int channel, String message) { events.add("reset " + channel); }
        @Override public void onConnectFailed(int channel, ConnectFailure reason, String message) {
            events.add("failed " + channel + " " + reason);
        }
        @Override public void onChannelFreed(int channel) { events.add("freed " + channel); }

        long bytes(int channel) {
            return dataBytes.getOrDefault(channel, 0L);
        }
    }

    /** A source of {@code total} bytes, then EOF. */
    static final class CountingSource implements ChannelSource {
        long left;
        boolean eofAfter;
        int reads;

        CountingSource(long total, boolean eofAfter) {
            this.left = total;
            this.eofAfter = eofAfter;
        }

        @Override
        public int read(ByteBuffer dst) {
            reads++;
            if (left == 0) return eofAfter ? -1 : 0;
            int n = (int) Math.min(left, dst.remaining());
            dst.position(dst.position() + n);
            left -= n;
            return n;
        }
    }

    private final Recorder clientEvents = new Recorder();
    private final Recorder serverEvents = new Recorder();

    private Mux client(ProtocolVersion v, MuxConfig config) {
        Mux m = new Mux(Mux.Role.CLIENT, v, config, clientEvents, 0);
        clientEvents.mux = m;
        return m;
    }

    private Mux server(ProtocolVersion v, MuxConfig config) {
        Mux m = new Mux(Mux.Role.SERVER, v, config, serverEvents, 0);
        serverEvents.mux = m;
        return m;
    }

    @Test
    void classicChannelThatGotDataWhileWaitingForPongIsSentAfterThePong() throws Exception {
        MuxConfig config = MuxConfig.defaults().withLatencyControl(true, 4096);
        Mux client = client(ProtocolVersion.V1, config);
        Mux server = server(ProtocolVersion.V1, config);
        int first = client.openTcp(TARGET);
        int second = client.openTcp(TARGET);
        client.attach(first, new CountingSource(8192, false));
        client.attach(second, new CountingSource(100, false));
        client.readable(first, 0);
        drain(client, server, 1 * MS); // past 4096 bytes: PING "rttest" out, data held until the PONG
        assertTrue(serverEvents.bytes(first) < 8192, "latency control holds data back: " + serverEvents.bytes(first));
        client.readable(second, 0); // arrives while blocked
        for (int i = 0; i < 10; i++) {
            drain(client, server, (2 + i) * MS);
            drain(server, client, (2 + i) * MS);
        }
        assertEquals(8192, serverEvents.bytes(first));
        assertEquals(100, serverEvents.bytes(second), "the second channel's data must arrive after the PONG");
    }

    @Test
    void resetAndConnectFailureComeBeforeChannelFreed() throws Exception {
        Mux client = client(ProtocolVersion.V2, MuxConfig.defaults());
        Mux server = server(ProtocolVersion.V2, MuxConfig.defaults());
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
    void sourceEndIsSentAsEofAfterItsData() throws Exception {
        Mux client = client(ProtocolVersion.V2, MuxConfig.defaults());
        Mux server = server(ProtocolVersion.V2, MuxConfig.defaults());
        int ch = client.openTcp(TARGET);
        CountingSource source = new CountingSource(70_000, true);
        client.attach(ch, source);
        client.readable(ch, 0);
        drain(client, server, 0);
        assertEquals(70_000, serverEvents.bytes(ch));
        assertEquals(List.of("connect 1"), serverEvents.events, "a short read says: drained for now, not ended");
        client.readable(ch, 0); // a socket at its end is readable again
        drain(client, server, 0);
        assertEquals(List.of("connect 1", "eof 1"), serverEvents.events);
    }

    @Test
    void windowGrowsForAStarvedSenderAndNotForAStalledReader() throws Exception {
        Mux client = client(ProtocolVersion.V2, MuxConfig.defaults());
        Mux server = server(ProtocolVersion.V2, MuxConfig.defaults());
        int fast = client.openTcp(TARGET);
        int stalled = client.openTcp(TARGET);
        clientEvents.holdChannel = stalled;
        drain(client, server, 0);
        for (int ch : new int[] {fast, stalled}) {
            server.connected(ch);
            server.attach(ch, new CountingSource(8L << 20, false));
            server.readable(ch, 0);
        }
        for (int i = 0; i < 200; i++) {
            drain(server, client, i * MS);
            drain(client, server, i * MS);
            server.readable(fast, 0);
            server.readable(stalled, 0);
        }
        assertTrue(client.receiveWindow(fast) > MuxConfig.INITIAL_WINDOW,
                "a fast reader's window grows while it is what limits the sender: " + client.receiveWindow(fast));
        assertEquals(MuxConfig.INITIAL_WINDOW, client.receiveWindow(stalled), "a stalled reader's window stays");
        assertEquals(MuxConfig.INITIAL_WINDOW, client.unconsumedBytes(stalled), "and it holds exactly one window");
    }

    @Test
    void bulkWaitsForTheProbeAnswerOnceTheTransportHoldsTheBound() throws Exception {
        Mux client = client(ProtocolVersion.V2, MuxConfig.defaults());
        Mux server = server(ProtocolVersion.V2, MuxConfig.defaults());
        int ch = client.openTcp(TARGET);
        client.attach(ch, new CountingSource(4L << 20, false));
        client.readable(ch, 0);
        ByteBuffer wire = ByteBuffer.allocate(8 << 20);
        for (int i = 0; i < 50; i++) {
            client.drainTo(wire, 0);
            client.readable(ch, 0);
        }
        assertTrue(wire.position() <= InFlightBound.FLOOR_BYTES + Frame.HEADER_BYTES + Frame.MAX_PAYLOAD + 1024,
                "nothing confirmed yet: at most the bound (plus one frame) goes out, " + wire.position());
        assertEquals(wire.position(), client.inFlightBytes());
        wire.flip();
        server.receive(wire, 1 * MS); // the server parses it all and answers the probes
        drain(server, client, 1 * MS);
        assertEquals(0, client.inFlightBytes(), "the PONGs confirm everything");
        assertTrue(client.minRttNanos() > 0, "and measure the round trip");
        ByteBuffer more = ByteBuffer.allocate(8 << 20);
        client.readable(ch, 0);
        client.drainTo(more, 1 * MS);
        assertTrue(more.position() > 0, "the bound opens again");
    }

    @Test
    void interactiveChannelStillSendsWhenBulkFillsTheBound() throws Exception {
        Mux client = client(ProtocolVersion.V2, MuxConfig.defaults());
        int bulk = client.openTcp(TARGET);
        int chat = client.openTcp(TARGET);
        client.attach(bulk, new CountingSource(4L << 20, false));
        CountingSource typed = new CountingSource(64, false);
        client.attach(chat, typed);
        ByteBuffer wire = ByteBuffer.allocate(8 << 20);
        for (int i = 0; i < 20; i++) {
            client.readable(bulk, 0);
            client.drainTo(wire, 0);
        }
        assertTrue(client.inFlightBytes() >= client.inFlightLimitBytes(), "bulk has filled the bound");
        client.readable(chat, 0);
        int before = wire.position();
        client.drainTo(wire, 0);
        assertEquals(0, typed.left, "the interactive bytes go out past the bound (in the sparse-flow slack)");
        assertTrue(wire.position() - before < 1024, "and nothing of the bulk with them: " + (wire.position() - before));
    }

    @Test
    void freedChannelNumberCoolsDownBeforeReuse() {
        Mux client = client(ProtocolVersion.V2, MuxConfig.defaults().withMaxChannel(2));
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
        Mux client = client(ProtocolVersion.V2, MuxConfig.defaults());
        client.openTcp(TARGET);
        ByteBuffer frames = ByteBuffer.allocate(5 * (Frame.HEADER_BYTES + Frame.MAX_PAYLOAD));
        for (int i = 0; i < 5; i++) FrameEncoder.write(frames, new Frame(1, Command.TCP_DATA, new byte[Frame.MAX_PAYLOAD]));
        frames.flip();
        ProtocolException e = assertThrows(ProtocolException.class, () -> client.receive(frames, 0));
        assertEquals("channel 1 sent 65535 bytes with only 4 bytes of window left", e.getMessage());
    }

    @Test
    void pingFloodIsAProtocolErrorOnceTheAnswersPileUp() throws Exception {
        Mux client = client(ProtocolVersion.V2, MuxConfig.defaults());
        ByteBuffer pings = ByteBuffer.allocate(32 * (Frame.HEADER_BYTES + Frame.MAX_PAYLOAD));
        for (int i = 0; i < 32; i++) FrameEncoder.write(pings, new Frame(0, Command.PING, new byte[Frame.MAX_PAYLOAD]));
        pings.flip();
        ProtocolException e = assertThrows(ProtocolException.class, () -> client.receive(pings, 0));
        assertTrue(e.getMessage().startsWith("PING flood: 4 PINGs (256 KiB"), e.getMessage());
    }

    @Test
    void manySmallUnansweredPingsAreAFloodToo() throws Exception {
        Mux client = client(ProtocolVersion.V1, MuxConfig.defaults());
        ByteBuffer pings = ByteBuffer.allocate(100 * (Frame.HEADER_BYTES + 2));
        for (int i = 0; i < 100; i++) FrameEncoder.write(pings, Frame.of(0, Command.PING, "ka"));
        pings.flip();
        ProtocolException e = assertThrows(ProtocolException.class, () -> client.receive(pings, 0));
        assertTrue(e.getMessage().startsWith("PING flood: " + (Mux.MAX_UNANSWERED_PINGS + 1) + " PINGs"), e.getMessage());
    }

    @Test
    void pingsAnsweredAsTheyComeAreNeverAFlood() throws Exception {
        Mux client = client(ProtocolVersion.V2, MuxConfig.defaults());
        Mux server = server(ProtocolVersion.V2, MuxConfig.defaults());
        for (int round = 0; round < 200; round++) {
            ByteBuffer pings = ByteBuffer.allocate(3 * (Frame.HEADER_BYTES + Frame.MAX_PAYLOAD));
            for (int i = 0; i < 3; i++) FrameEncoder.write(pings, new Frame(0, Command.PING, new byte[Frame.MAX_PAYLOAD]));
            pings.flip();
            client.receive(pings, round * MS);
            drain(client, server, round * MS);
        }
        assertTrue(client.wantsInput());
    }

    @Test
    void controlBacklogStopsTheInputInsteadOfGrowingMemory() throws Exception {
        Mux client = client(ProtocolVersion.V2, MuxConfig.defaults());
        // the application queues connects faster than the transport takes them
        for (int i = 0; i < 40_000 && client.wantsInput(); i++) {
            int ch = client.openTcp(TARGET);
            client.reset(ch, "x".repeat(200));
        }
        assertFalse(client.wantsInput(), "a MiB of unsent control frames: the driver must stop reading");
        drain(client, server(ProtocolVersion.V2, MuxConfig.defaults()), 0);
        assertTrue(client.wantsInput(), "once they are written, input resumes");
    }

    private static void drain(Mux from, Mux to, long nowNanos) throws ProtocolException {
        ByteBuffer wire = ByteBuffer.allocate(1 << 20);
        for (int n = 1; n > 0; ) {
            wire.clear();
            n = from.drainTo(wire, nowNanos);
            wire.flip();
            to.receive(wire, nowNanos);
        }
    }
}
