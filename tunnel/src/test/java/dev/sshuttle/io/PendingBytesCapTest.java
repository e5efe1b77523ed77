package dev.sshuttle.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.mux.Command;
import dev.sshuttle.mux.Frame;
import dev.sshuttle.mux.FrameEncoder;
import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.mux.TcpTarget;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * 0001 has no windows: a server that keeps sending to a connection whose application does not
 * read made the client keep every byte. Past a per-channel cap the channel is reset instead.
 */
class PendingBytesCapTest {
    /** An application that never reads: its socket takes nothing. */
    static final class StuckSocket implements LocalSocket {
        boolean closed;
        boolean reset;

        public int read(ByteBuffer dst) { return 0; }
        public int write(ByteBuffer src) { return 0; }
        public void interest(boolean read, boolean write) { }
        public void start(Readiness events) { }
        public void shutdownOutput() { }
        public void shutdownInput() { }
        public void close(boolean reset) {
            closed = true;
            this.reset = reset;
        }
    }

    static final class ManualTimers implements Timers {
        long now;
        final List<Runnable> tasks = new ArrayList<>();
        public long nanos() { return now; }
        public void scheduleAt(long deadlineNanos, Runnable task) { tasks.add(task); }
    }

    @Test
    void aChannelWhoseReaderFallsFarBehindIsResetInClassic() throws Exception {
        ManualTimers timers = new ManualTimers();
        List<String> log = new ArrayList<>();
        Bridges bridges = new Bridges(timers, null, log::add);
        Mux mux = new Mux(Mux.Role.CLIENT, ProtocolVersion.V1, MuxConfig.defaults(), bridges, 0);
        bridges.attach(mux);
        int ch = mux.openTcp(new TcpTarget(false, "10.0.0.1", 80));
        StuckSocket app = new StuckSocket();
        bridges.bridgeAccepted(ch, app);
        ByteBuffer frame = ByteBuffer.allocate(Frame.HEADER_BYTES + Frame.MAX_PAYLOAD);
        FrameEncoder.write(frame, new Frame(ch, Command.TCP_DATA, new byte[Frame.MAX_PAYLOAD]));
        long sent = 0;
        for (int i = 0; i < 1000 && !app.closed; i++) { // 64 MiB at most
            frame.flip();
            mux.receive(frame, 0);
            sent += Frame.MAX_PAYLOAD;
        }
        assertTrue(app.closed && app.reset, "the channel is reset; " + sent / (1 << 20) + " MiB sent, "
                + bridges.pendingBytes() / (1 << 20) + " MiB kept");
        assertTrue(sent <= (8L<<20) + Frame.MAX_PAYLOAD, sent + " bytes before the reset");
        assertFalse(mux.isOpen(ch));
        assertTrue(bridges.pendingBytes() == 0, "its bytes are dropped: " + bridges.pendingBytes());
        assertTrue(log.stream().anyMatch(l -> l.contains("fell") && l.contains("behind")), log.toString());
    }

    /** A transport that delivers, forever, full windows of data for channels 1..n in turn. */
    static final class Flood implements StreamEnd {
        final int channels;
        int next = 1;
        int frameInChannel;
        long delivered;
        boolean reading = true;

        Flood(int channels) {
            this.channels = channels;
        }

        public int read(ByteBuffer dst) {
            int n = 0;
            while (dst.remaining() >= Frame.HEADER_BYTES + 32 * 1024) {
                FrameEncoder.writeHeader(dst, next, Command.TCP_DATA, 32 * 1024);
                dst.position(dst.position() + 32 * 1024);
                n += Frame.HEADER_BYTES + 32 * 1024;
                if (++frameInChannel == 8) { // 256 KiB: the initial window, all of it
                    frameInChannel = 0;
                    next = next % channels + 1;
                }
            }
            delivered += n;
            return n;
        }

        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            return n;
        }

        public void interest(boolean read, boolean write) { reading = read; }
        public void start(Readiness events) { }
        public void awaitWritable(long timeoutMillis) { }
    }

    /** A client whose 1000 applications read nothing, under a server that fills every window (250 MiB in all). */
    static final class FloodedClient {
        final ManualTimers timers = new ManualTimers();
        final List<String> deaths = new ArrayList<>();
        final Bridges bridges = new Bridges(timers, null, m -> { }) {
            @Override
            public void onKeepaliveTimeout(long silentNanos) {
                deaths.add("silent for " + silentNanos / 1_000_000 + " ms");
            }
        };
        final Mux mux;
        final Flood flood = new Flood(1000);
        final MuxDriver driver;

        FloodedClient(MuxConfig config) {
            mux = new Mux(Mux.Role.CLIENT, ProtocolVersion.V2, config, bridges, 0);
            bridges.attach(mux);
            for (int i = 0; i < flood.channels; i++) bridges.bridgeAccepted(mux.openTcp(new TcpTarget(false, "10.0.0.1", 80)), new StuckSocket());
            driver = new MuxDriver(timers, flood, bridges, new MuxDriver.Events() {
                public void onTransportClosed(String why) { throw new AssertionError(why); }
                public void onProtocolError(dev.sshuttle.mux.ProtocolException e) { throw new AssertionError(e); }
            });
            driver.start(mux, null);
            for (int i = 0; i < 1000 && flood.reading; i++) driver.onReadable();
        }
    }

    @Test
    void allChannelsTogetherStayWithinTheMemoryBudget() {
        FloodedClient client = new FloodedClient(MuxConfig.defaults());
        assertFalse(client.flood.reading, "input must pause");
        assertTrue(client.bridges.pendingBytes() <= MuxDriver.PENDING_MAX_BYTES + MuxDriver.IN_BYTES,
                client.bridges.pendingBytes() / (1 << 20) + " MiB held for applications that do not read");
    }

    /** While we hold the peer's bytes unread, its silence is ours: the keepalive must not call it dead. */
    @Test
    void aPauseOfOurOwnIsNotAKeepaliveTimeout() {
        FloodedClient client = new FloodedClient(MuxConfig.defaults().withKeepalive(Duration.ofSeconds(5), Duration.ofSeconds(15)));
        assertFalse(client.flood.reading, "input must pause");
        for (int s = 1; s <= 60; s++) { // a minute of loop rounds, one a second
            client.timers.now = s * 1_000_000_000L;
            client.driver.flush();
            client.mux.tick(client.timers.now);
        }
        assertTrue(client.deaths.isEmpty(), client.deaths.toString());
    }
}
