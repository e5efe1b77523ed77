package dev.sshuttle.stripe;

import dev.sshuttle.mux.Frame;
import dev.sshuttle.mux.ProtocolException;
import dev.sshuttle.io.StreamChannels;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The client's side of striping over the system ssh: ssh forwards a unix socket in a private
 * local directory to a unix socket the agent listens on ({@code -L local:remote}, a
 * direct-streamlocal channel per connection, allowed by OpenSSH's default
 * AllowStreamLocalForwarding), and each connection to it, once the agent acknowledged its
 * token, is one more lane. Nothing is used unless the agent offers it; lanes ssh refuses are
 * left out, and with none the session runs on its one channel.
 */
public final class StripeClient implements AutoCloseable {
    /** Per lane, channel open and greeting; a server that refuses answers within a round trip. */
    static final Duration ACK_WITHIN = Duration.ofSeconds(5);
    /** OpenSSH's window for the channels it opens: what one lane carries per round trip. */
    static final double CHANNEL_WINDOW_BYTES = 2 * 1024 * 1024;
    /**
     * With --channels auto, lanes for this rate at the measured round trip, twice over (the
     * in-flight bound holds up to twice the bandwidth-delay product): the rate this tunnel
     * reaches at a short round trip on a small machine.
     */
    static final double AUTO_RATE_BYTES_PER_SECOND = 400e6;

    private final Path dir;
    private final Path localSocket;
    private final String remoteSocket;
    private final byte[] token;
    private final int channels;

    private StripeClient(Path dir, String remoteSocket, byte[] token, int channels) {
        this.dir = dir;
        this.localSocket = dir.resolve("s");
        this.remoteSocket = remoteSocket;
        this.token = token;
        this.channels = channels;
    }

    /**
     * @param channels ssh channels wanted in all (2..16), or 0 for a count from the round trip
     */
    public static StripeClient prepare(int channels) throws IOException {
        if (channels != 0 && (channels < 2 || channels > StripeWire.MAX_EXTRA_LANES + 1)) {
            throw new IllegalArgumentException("channels must be 2.." + (StripeWire.MAX_EXTRA_LANES + 1) + " or auto, not " + channels);
        }
        SecureRandom random = new SecureRandom();
        byte[] token = new byte[StripeWire.TOKEN_BYTES];
        random.nextBytes(token);
        byte[] name = new byte[8];
        random.nextBytes(name);
        Path dir = Files.createTempDirectory("sshuttle-ch-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return new StripeClient(dir, "/tmp/sshuttle-ch-" + HexFormat.of().formatHex(name) + "/s", token, channels);
    }

    /** Options for the ssh command line, before the destination. */
    public List<String> sshOptions() {
        return List.of("-o", "ExitOnForwardFailure=no", "-L", localSocket + ":" + remoteSocket);
    }

    public String remoteSocket() {
        return remoteSocket;
    }

    public String tokenHex() {
        return StripeWire.hex(token);
    }

    /** What the agent's options carry: where to listen, the token, how many lanes at most. */
    public dev.sshuttle.mux.AgentOptions.Stripe agentOptions() {
        return new dev.sshuttle.mux.AgentOptions.Stripe(remoteSocket, tokenHex(), maxExtraLanes());
    }

    /** Extra lanes to ask the agent for. */
    public int maxExtraLanes() {
        return channels == 0 ? StripeWire.MAX_EXTRA_LANES : channels - 1;
    }

    /** The outcome: the extra lanes in use (empty: one channel), the bytes read past the handshake, what happened. */
    public record Outcome(List<StreamChannels> lanes, ByteBuffer rest, String summary) {}

    /** Opens one more channel to the agent's socket (blocking channels; an IOException: refused). */
    @FunctionalInterface
    public interface LaneOpener {
        StreamChannels open() throws IOException;
    }

    /** The system ssh's way: a connection to its -L socket in our private directory. */
    private LaneOpener forwardedSocket() {
        return () -> {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(localSocket));
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            return StreamChannels.of(ch);
        };
    }

    /**
     * Runs the handshake on the first transport, after its sync header (blocking, before the
     * mux starts). {@code leftover}: bytes read past the header.
     */
    public Outcome negotiate(ByteBuffer leftover, InputStream in, OutputStream out, Consumer<String> debug)
            throws IOException, ProtocolException {
        return negotiate(leftover, in, out, debug, forwardedSocket());
    }

    /** As {@link #negotiate(ByteBuffer, InputStream, OutputStream, Consumer)}, lanes opened by {@code opener} (the builtin ssh's own channels). */
    public Outcome negotiate(ByteBuffer leftover, InputStream in, OutputStream out, Consumer<String> debug, LaneOpener opener)
            throws IOException, ProtocolException {
        StripeWire.FrameReader reader = new StripeWire.FrameReader(leftover, in);
        Frame offer = reader.nextIf(StripeWire.STRIPE_OFFER);
        if (offer == null) return new Outcome(List.of(), reader.rest(), "the agent does not stripe (an older agent): one ssh channel");
        int offered = offer.payload().length > 0 ? Byte.toUnsignedInt(offer.payload()[0]) : 0;
        if (offered == 0) {
            String why = new String(offer.payload(), 1, Math.max(0, offer.payload().length - 1), StandardCharsets.UTF_8);
            return new Outcome(List.of(), reader.rest(), "the agent cannot take extra channels (" + why + "): one ssh channel");
        }
        Map<Integer, Lane> acked = greet(Math.min(offered, maxExtraLanes()), opener, debug);
        long fastest = acked.values().stream().mapToLong(Lane::ackNanos).min().orElse(0);
        int use = channels == 0 ? autoExtraLanes(Duration.ofNanos(fastest / 2)) : channels - 1;
        List<Integer> chosen = acked.keySet().stream().sorted().limit(use).toList();
        List<StreamChannels> lanes = new ArrayList<>();
        for (int lane : chosen) lanes.add(acked.get(lane).channel());
        for (Map.Entry<Integer, Lane> e : acked.entrySet()) {
            if (!chosen.contains(e.getKey())) e.getValue().channel().close();
        }
        StripeWire.writeFrame(out, StripeWire.STRIPE_START, StripeWire.startPayload(chosen));
        List<Integer> echoed = StripeWire.startLanes(reader.next());
        if (!echoed.equals(chosen)) {
            for (StreamChannels ch : lanes) ch.close();
            throw new ProtocolException("the agent started lanes " + echoed + ", not " + chosen);
        }
        String summary;
        if (lanes.isEmpty() && acked.isEmpty()) {
            summary = "ssh did not open extra channels (the server refuses stream-local forwarding?): one ssh channel";
        } else if (lanes.isEmpty()) {
            summary = String.format("round trip ~%.1f ms: one ssh channel is enough", fastest / 2e6);
        } else {
            summary = String.format("striping over %d ssh channels (round trip ~%.1f ms, %d of %d extra channels opened)",
                    lanes.size() + 1, fastest / 2e6, acked.size(), Math.min(offered, maxExtraLanes()));
        }
        return new Outcome(lanes, reader.rest(), summary);
    }

    /** Extra lanes for the round trip: the in-flight bound's worth of channel windows at the assumed rate. */
    static int autoExtraLanes(Duration rtt) {
        double windows = 2 * AUTO_RATE_BYTES_PER_SECOND * (rtt.toNanos() / 1e9) / CHANNEL_WINDOW_BYTES;
        return (int) Math.max(0, Math.min(StripeWire.MAX_EXTRA_LANES, Math.ceil(windows) - 1));
    }

    private record Lane(StreamChannels channel, long ackNanos) {}

    private static StreamChannels open(java.util.concurrent.CompletableFuture<StreamChannels> opened) throws IOException {
        try {
            return opened.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof IOException io ? io
                    : e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : new IOException(e.getCause());
        }
    }

    /** Opens `count` lanes, greets each, and keeps those the agent acknowledged within ACK_WITHIN. */
    private Map<Integer, Lane> greet(int count, LaneOpener opener, Consumer<String> debug) throws IOException {
        Map<Integer, Lane> acked = new LinkedHashMap<>();
        Map<StreamChannels, Integer> waiting = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        try (Selector selector = Selector.open()) {
            // opened at once: the builtin ssh waits a round trip for each channel's confirmation
            List<java.util.concurrent.CompletableFuture<StreamChannels>> opening = new ArrayList<>();
            try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int lane = 1; lane <= count; lane++) {
                    opening.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        try {
                            return opener.open();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }, threads));
                }
            }
            for (int lane = 1; lane <= count; lane++) {
                StreamChannels ch = null;
                try {
                    ch = open(opening.get(lane - 1));
                    ByteBuffer hello = ByteBuffer.allocate(StripeWire.HELLO_BYTES).put(token).put((byte) lane).flip();
                    while (hello.hasRemaining()) ch.write(hello);
                    ch.readable().configureBlocking(false);
                    ch.readable().register(selector, SelectionKey.OP_READ, ch);
                    waiting.put(ch, lane);
                } catch (IOException e) {
                    debug.accept("extra channel " + lane + ": " + e.getMessage());
                    if (ch != null) ch.close();
                }
            }
            long deadline = t0 + ACK_WITHIN.toNanos();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (!waiting.isEmpty() && System.nanoTime() < deadline) {
                selector.select(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                for (SelectionKey key : selector.selectedKeys()) {
                    StreamChannels ch = (StreamChannels) key.attachment();
                    one.clear();
                    int n;
                    try {
                        n = ch.read(one);
                    } catch (IOException e) {
                        n = -1;
                    }
                    if (n == 0) continue;
                    key.cancel();
                    int lane = waiting.remove(ch);
                    if (n == 1 && one.get(0) == StripeWire.HELLO_OK) {
                        acked.put(lane, new Lane(ch, System.nanoTime() - t0));
                    } else {
                        debug.accept("extra channel " + lane + " was closed: ssh or the server refused it");
                        ch.close();
                    }
                }
                selector.selectedKeys().clear();
            }
        }
        for (StreamChannels ch : waiting.keySet()) ch.close();
        return acked;
    }

    /** Removes the private directory (ssh's listening socket in it). */
    @Override
    public void close() {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a leftover empty directory in the temp dir is harmless
        }
    }
}
