package dev.sshuttle.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.mux.Command;
import dev.sshuttle.mux.Frame;
import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.mux.AgentOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python agent's 0002 bytes in flight and window growth (docs/protocol.md, "0002: bytes in
 * flight and window growth"), end to end over pipes, plus the Python-level checks of
 * flow_check.py (exact partial writes, a fake clock, consumers that stall on purpose). The Java
 * side's bound, shared by the client and the Java agent, is tested in dev.sshuttle.mux
 * (InFlightBoundTest, MuxTest) and, with the production driver, by the simulator.
 */
class PythonAgentInFlightTest {
    private static final int CH = 1;
    private static final Duration WAIT = AgentConnection.FRAME_TIMEOUT;
    /** The limit before any sample, fixed by the spec. */
    private static final int LIMIT_MIN = 256 * 1024;
    private static final int PROBE_BYTES = Frame.HEADER_BYTES + 11;
    /** Past the limit a new flow (a channel readable again after a short read) may still send this much... */
    private static final int SPARSE_SLACK = 64 * 1024;
    /** ...this much at a time. */
    private static final int SPARSE_READ = 16 * 1024;

    @Test
    void pythonLevelFlowChecks(@TempDir Path dir) throws Exception {
        PythonCheckScript.run(dir, "flow_check.py",
                "probes bound the bytes in flight",
                "a shut gate always has a probe",
                "at most eight probes",
                "samples set the limit",
                "pong overtakes queued data",
                "control frames keep every frame whole",
                "window grows for a fast consumer",
                "window stays for a stalled consumer",
                "window stays for a slow consumer",
                "window stays while the client is not blocked",
                "a blocked client grows the window of a fast reader",
                "a blocked client does not grow the window of a stalled reader",
                "window 0 leaves the credit alone",
                "one blocked signal per episode",
                "upload window grows at 50 ms",
                "download window grows at 50 ms",
                "interactive bytes go ahead of a full bound",
                "bulk channels share by deficit round robin",
                "a new flow becomes old after its quantum", "a bulk flow that runs dry does not come back new");
    }

    private static AgentConnection start() throws Exception {
        return AgentConnection.start(new PythonAgentLauncher(PythonCheckScript.PYTHON), AgentOptions.defaults(2));
    }

    private static boolean isProbe(Frame f) {
        return f.command() == Command.PING && f.payload().length == 11
                && new String(f.payload(), 0, 3, StandardCharsets.US_ASCII).equals("ack");
    }

    private static long probeOffset(byte[] payload) {
        return ByteBuffer.wrap(payload, 3, 8).getLong();
    }

    /** The agent's probes name the end of their own frame; it answers our probes like any PING. */
    @Test
    void probesCarryTheirStreamOffsetAndOursAreAnswered() throws Exception {
        int total = 2 << 20;
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start()) {
            List<long[]> probes = new ArrayList<>(); // {offset in the probe, offset of its end}
            a.tap((f, end) -> {
                if (isProbe(f)) synchronized (probes) {
                    probes.add(new long[] {probeOffset(f.payload()), end});
                }
            });
            AtomicLong received = new AtomicLong();
            a.bulkSink(CH, f -> received.addAndGet(f.payload().length));
            a.connect(CH, peer.port());
            AgentChecks.acceptConnected(a, peer);
            a.grant(CH, total);
            CompletableFuture<Void> writer = peer.writeAsync(new byte[total]);
            await("some data").atMost(WAIT).until(() -> received.get() > 0);
            byte[] ours = ByteBuffer.allocate(11).put("ack".getBytes(StandardCharsets.US_ASCII)).putLong(987654321L).array();
            a.send(0, Command.PING, ours);
            assertArrayEquals(ours, a.expect(f -> f.command() == Command.PONG, "the PONG of our probe").payload());
            await("everything, through more than the 256 KiB limit").atMost(WAIT).until(() -> received.get() == total);
            writer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            synchronized (probes) {
                // one every 64 KiB until the first PONG, then every limit / 4
                assertTrue(probes.size() >= 3, probes.size() + " probes for " + total + " bytes");
                for (long[] p : probes) {
                    // a control frame (our PONG) that overtook the probe makes it name an earlier
                    // offset, never a later one: acked stays a lower bound
                    long early = p[1] - p[0];
                    assertTrue(early == 0 || early == PROBE_BYTES, "probe says " + p[0] + ", ends at " + p[1]);
                }
            }
        }
    }

    /**
     * A client that stops answering PINGs: the agent reads the bulk socket until 256 KiB are in
     * flight (whatever the channel's credit), then stops; our PONGs to its probes resume it.
     */
    @Test
    void unansweredProbesStopTheBulkSourceAt256KiB() throws Exception {
        int total = 4 << 20;
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start()) {
            a.roundTrip("chicken answered");
            a.autoPong(false);
            List<byte[]> probes = new ArrayList<>();
            AtomicLong stream = new AtomicLong();
            a.tap((f, end) -> {
                stream.set(end);
                if (isProbe(f)) synchronized (probes) {
                    probes.add(f.payload());
                }
            });
            AtomicLong received = new AtomicLong();
            a.bulkSink(CH, f -> received.addAndGet(f.payload().length));
            a.connect(CH, peer.port());
            AgentChecks.acceptConnected(a, peer);
            a.grant(CH, MuxConfig.MAX_WINDOW - MuxConfig.INITIAL_WINDOW);
            CompletableFuture<Void> writer = peer.writeAsync(new byte[total]);
            await("the limit").atMost(WAIT).until(() -> received.get() >= LIMIT_MIN - 8192);
            long[] stalledAt = {received.get()};
            await("nothing more without PONGs").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> {
                        long now = received.get();
                        boolean same = now == stalledAt[0];
                        stalledAt[0] = now;
                        return same;
                    });
            long bytes = stream.get();
            // everything the agent wrote since the sync header: the limit, then the frame read last
            // before the gate shut or (the socket drained by a short read makes the channel a new
            // flow when it is readable again) sparse reads up to the slack, and a few control
            // frames (chicken, ROUTES, PONG, probes)
            long pastLimit = Math.max(Frame.HEADER_BYTES + Frame.MAX_PAYLOAD, SPARSE_SLACK + Frame.HEADER_BYTES + SPARSE_READ);
            assertTrue(bytes <= LIMIT_MIN + pastLimit + 256,
                    "the agent sent " + bytes + " bytes (" + stalledAt[0] + " of data) with no probe answered");
            List<byte[]> unanswered;
            synchronized (probes) {
                unanswered = new ArrayList<>(probes);
                probes.clear();
            }
            assertTrue(!unanswered.isEmpty() && unanswered.size() <= 8, unanswered.size() + " probes outstanding");
            for (byte[] p : unanswered) a.send(0, Command.PONG, p);
            await("more data after our PONGs").atMost(WAIT).until(() -> received.get() > stalledAt[0]);
            a.autoPong(true);
            synchronized (probes) {
                for (byte[] p : probes) a.send(0, Command.PONG, p);
            }
            await("everything").atMost(WAIT).until(() -> received.get() == total);
            writer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /**
     * A peer that reads as fast as we send, and a client that says when it is blocked on
     * credit (TCP_WINDOW 0): the agent's window grows beyond the initial one.
     */
    @Test
    void theWindowGrowsForAFastConsumer() throws Exception {
        int total = 32 << 20;
        byte[] data = new byte[total];
        try (LocalPeer peer = new LocalPeer(); AgentConnection a = start()) {
            a.connect(CH, peer.port());
            AgentChecks.acceptConnected(a, peer);
            CompletableFuture<long[]> peerRead = CompletableFuture.supplyAsync(peer::checksumToEof);
            a.sendData(CH, data, 0, total);
            a.send(CH, Command.TCP_EOF, new byte[0]);
            assertEquals(total, peerRead.get(60, TimeUnit.SECONDS)[0], "bytes at the peer");
            // all consumed and granted back: our credit is the agent's whole window
            await("a grown window").atMost(WAIT).until(() -> a.credit(CH).available() > MuxConfig.INITIAL_WINDOW);
            assertTrue(a.credit(CH).available() <= MuxConfig.MAX_WINDOW, "window " + a.credit(CH).available());
        }
    }
}
