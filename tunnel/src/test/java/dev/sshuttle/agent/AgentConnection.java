package dev.sshuttle.agent;

import static org.awaitility.Awaitility.await;

import dev.sshuttle.mux.Command;
import dev.sshuttle.mux.CopyingSink;
import dev.sshuttle.mux.Frame;
import dev.sshuttle.mux.FrameDecoder;
import dev.sshuttle.mux.FrameEncoder;
import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.mux.ProtocolException;
import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.mux.SyncHeaderReader;
import dev.sshuttle.mux.AgentOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A scripted, frame-level client of one agent process, built on the production codec. A reader
 * thread decodes the agent's stdout: TCP_WINDOW frames go to the channel's {@link Credit}, PINGs
 * are answered at once (unless turned off), TCP_DATA for a channel with a bulk sink goes to the
 * sink, and every other frame is queued for the test to {@link #expect} in order.
 */
final class AgentConnection implements AutoCloseable {
    static final Duration FRAME_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(20);

    final Process process;
    final ProtocolVersion version;
    private final OutputStream toAgent;
    private final LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private final Map<Integer, Credit> credits = new ConcurrentHashMap<>();
    private final Map<Integer, Consumer<Frame>> bulkSinks = new ConcurrentHashMap<>();
    private final StringBuffer stderr = new StringBuffer();
    private final Thread stdoutReader;
    private final Thread stderrReader;
    private final CompletableFuture<ProtocolVersion> header = new CompletableFuture<>();
    private volatile boolean autoPong = true;
    private volatile BiConsumer<Frame, Long> tap;
    private long streamBytes; // reader thread only: bytes of frames after the sync header
    private volatile String readerFailure;
    private volatile boolean stdoutEnded;

    private AgentConnection(Process process) throws IOException {
        this.process = process;
        this.toAgent = process.getOutputStream();
        stderrReader = Thread.ofPlatform().daemon().name("agent-stderr").start(this::pumpStderr);
        stdoutReader = Thread.ofPlatform().daemon().name("agent-stdout").start(this::pumpStdout);
        try {
            version = header.get(HEADER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new AssertionError("no sync header from the agent: " + e.getMessage() + "; stderr: " + stderrText(), e);
        }
    }

    static AgentConnection start(AgentLauncher launcher, AgentOptions options) throws IOException {
        return new AgentConnection(launcher.launch(options));
    }

    static AgentConnection start(AgentLauncher launcher, AgentOptions options, java.util.Map<String, String> env)
            throws IOException {
        return new AgentConnection(launcher.launch(options, env));
    }

    // ---------- reading ----------
    private void pumpStdout() {
        SyncHeaderReader headerReader = new SyncHeaderReader();
        FrameDecoder decoder = new FrameDecoder();
        FrameDecoder.Sink sink = CopyingSink.to(this::onFrame);
        byte[] buf = new byte[256 * 1024];
        try (InputStream in = process.getInputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                ByteBuffer bytes = ByteBuffer.wrap(buf, 0, n);
                if (!header.isDone()) {
                    ProtocolVersion v = headerReader.feed(bytes);
                    if (v == null) continue;
                    header.complete(v);
                }
                decoder.decode(bytes, sink);
            }
        } catch (IOException | ProtocolException | RuntimeException | AssertionError e) {
            readerFailure = e.toString();
        } finally {
            stdoutEnded = true;
            header.completeExceptionally(new IOException("agent stdout ended before the sync header"));
        }
    }

    private void onFrame(Frame f) {
        streamBytes += Frame.HEADER_BYTES + f.payload().length;
        BiConsumer<Frame, Long> t = tap;
        if (t != null) t.accept(f, streamBytes);
        if (f.command() == Command.TCP_WINDOW) {
            credit(f.channel()).add(ByteBuffer.wrap(f.payload()).getInt() & 0xffffffffL);
            return;
        }
        if (f.command() == Command.PING && autoPong) pongQuietly(f.payload());
        Consumer<Frame> sink = f.command() == Command.TCP_DATA ? bulkSinks.get(f.channel()) : null;
        if (sink != null) sink.accept(f);
        else frames.add(f);
    }

    private void pumpStderr() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) stderr.append(line).append('\n');
        } catch (IOException e) {
            stderr.append("[stderr read failed: ").append(e).append("]\n");
        }
    }

    /** The next queued frame that matches, with every frame queued before it. Fails on timeout. */
    List<Frame> collectUntil(Predicate<Frame> match, String what) throws InterruptedException {
        return collectUntil(match, what, FRAME_TIMEOUT);
    }

    List<Frame> collectUntil(Predicate<Frame> match, String what, Duration timeout) throws InterruptedException {
        List<Frame> seen = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Frame f = frames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (f == null) {
                throw new AssertionError("no " + what + " within " + timeout + "; frames seen: " + seen
                        + (readerFailure != null ? "; reader: " + readerFailure : "")
                        + (stdoutEnded ? "; agent stdout ended" : "") + "; stderr: " + stderr);
            }
            seen.add(f);
            if (match.test(f)) return seen;
        }
    }

    Frame expect(Predicate<Frame> match, String what) throws InterruptedException {
        List<Frame> seen = collectUntil(match, what);
        return seen.getLast();
    }

    Frame expect(int channel, int command) throws InterruptedException {
        return expect(f -> f.channel() == channel && f.command() == command, Command.name(command) + " on channel " + channel);
    }

    /** Next frame in the queue, whatever it is. */
    Frame next() throws InterruptedException {
        return expect(f -> true, "any frame");
    }

    /** Sends PING with a unique payload and waits for its PONG: every frame sent before it was handled. */
    List<Frame> roundTrip(String tag) throws InterruptedException {
        byte[] token = ("sync-" + tag).getBytes(StandardCharsets.US_ASCII);
        send(0, Command.PING, token);
        return collectUntil(f -> f.command() == Command.PONG && new String(f.payload(), StandardCharsets.US_ASCII)
                .equals("sync-" + tag), "PONG " + tag);
    }

    void autoPong(boolean on) {
        autoPong = on;
    }

    /**
     * Shows every frame (on the reader thread, before it is handled) with the agent's stream
     * offset just past it: the bytes of all frames after the sync header, this one included.
     */
    void tap(BiConsumer<Frame, Long> t) {
        tap = t;
    }

    // ---------- writing ----------
    synchronized void send(int channel, int command, byte[] payload) {
        try {
            toAgent.write(FrameEncoder.encode(new Frame(channel, command, payload)));
            toAgent.flush();
        } catch (IOException e) {
            throw new AssertionError("writing to the agent failed (did it exit? stderr: " + stderr + ")", e);
        }
    }

    /** The agent may already be gone (a test made it exit): that is the test's to judge, not ours. */
    private synchronized void pongQuietly(byte[] payload) {
        try {
            toAgent.write(FrameEncoder.encode(new Frame(0, Command.PONG, payload)));
            toAgent.flush();
        } catch (IOException e) {
            readerFailure = "PONG not delivered: " + e;
        }
    }

    void send(int channel, int command, String ascii) {
        send(channel, command, ascii.getBytes(StandardCharsets.US_ASCII));
    }

    synchronized void sendRaw(byte[] bytes) throws IOException {
        toAgent.write(bytes);
        toAgent.flush();
    }

    /** TCP_CONNECT to 127.0.0.1:port; under 0002 the channel starts with the initial window of credit. */
    void connect(int channel, int port) {
        credits.put(channel, new Credit(MuxConfig.INITIAL_WINDOW));
        send(channel, Command.TCP_CONNECT, "2," + "127.0.0.1" + "," + port);
    }

    Credit credit(int channel) {
        return credits.computeIfAbsent(channel, c -> new Credit(MuxConfig.INITIAL_WINDOW));
    }

    /**
     * Sends bytes as TCP_DATA frames of up to 65535, within the channel's credit under 0002; out
     * of credit with bytes left, it tells the agent once per episode (TCP_WINDOW 0), as the
     * client does, so the agent's receive window can grow.
     */
    void sendData(int channel, byte[] data, int offset, int length) throws InterruptedException, TimeoutException {
        ByteBuffer frame = ByteBuffer.allocate(Frame.HEADER_BYTES + Frame.MAX_PAYLOAD);
        int end = offset + length;
        while (offset < end) {
            int n = Math.min(Frame.MAX_PAYLOAD, end - offset);
            if (version == ProtocolVersion.V2) {
                Credit credit = credit(channel);
                if (credit.takeBlockedSignal()) grant(channel, 0);
                n = credit.take(n, FRAME_TIMEOUT);
            }
            frame.clear();
            FrameEncoder.write(frame, channel, Command.TCP_DATA, data, offset, n);
            synchronized (this) {
                try {
                    toAgent.write(frame.array(), 0, frame.position());
                    toAgent.flush();
                } catch (IOException e) {
                    throw new AssertionError("writing to the agent failed; stderr: " + stderr, e);
                }
            }
            offset += n;
        }
    }

    void sendData(int channel, String ascii) throws InterruptedException, TimeoutException {
        byte[] b = ascii.getBytes(StandardCharsets.US_ASCII);
        sendData(channel, b, 0, b.length);
    }

    void grant(int channel, int bytes) {
        send(channel, Command.TCP_WINDOW, ByteBuffer.allocate(4).putInt(bytes).array());
    }

    /** Routes this channel's TCP_DATA to a sink (on the reader thread) instead of the queue. */
    void bulkSink(int channel, Consumer<Frame> sink) {
        bulkSinks.put(channel, sink);
    }

    void closeStdin() throws IOException {
        synchronized (this) {
            toAgent.close();
        }
    }

    // ---------- ending ----------
    int awaitExit() {
        await("agent exit").atMost(FRAME_TIMEOUT).until(() -> !process.isAlive());
        return process.exitValue();
    }

    /** Everything the agent wrote to stderr; complete once the process has exited. */
    String stderrText() {
        if (!process.isAlive()) {
            try {
                stderrReader.join(FRAME_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return stderr.toString();
    }

    @Override
    public void close() {
        try {
            synchronized (this) {
                toAgent.close();
            }
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            stdoutReader.join(FRAME_TIMEOUT);
            stderrReader.join(FRAME_TIMEOUT);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
