package dev.sshuttle.sim;

import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.mux.ProtocolVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A session to simulate: protocol version, link, both mux configurations and the list of
 * streams (the actions). {@link #generate} builds one from a seed alone, so the seed (and,
 * after shrinking, the ids of the streams kept) replays it.
 */
public record Scenario(long seed, ProtocolVersion version, LinkConfig link, MuxConfig clientConfig,
                       MuxConfig serverConfig, List<StreamSpec> streams, List<LinkConfig> extraLanes) {

    /** One transport (no striping). */
    public Scenario(long seed, ProtocolVersion version, LinkConfig link, MuxConfig clientConfig, MuxConfig serverConfig,
                    List<StreamSpec> streams) {
        this(seed, version, link, clientConfig, serverConfig, streams, List.of());
    }

    /** Transports (ssh channels) the mux is striped over: 1 + extra lanes. */
    public int laneCount() {
        return 1 + extraLanes.size();
    }

    /** Every lane's link, the first transport's first. */
    public List<LinkConfig> lanes() {
        List<LinkConfig> all = new ArrayList<>(List.of(link));
        all.addAll(extraLanes);
        return all;
    }

    /** What bounds a round trip when striped: the longest latency and the lowest rate of any lane. */
    public LinkConfig slowestLane() {
        if (extraLanes.isEmpty()) return link;
        List<LinkConfig> all = lanes();
        long latency = all.stream().mapToLong(LinkConfig::oneWayLatencyNanos).max().orElseThrow();
        long rate = all.stream().mapToLong(LinkConfig::bytesPerSecond).min().orElseThrow();
        return new LinkConfig(latency, rate, link.sendBufferBytes(), link.maxChunkBytes(), link.corruptPerMillion());
    }

    /**
     * A session striped over 2..6 lanes of different latencies, rates, buffers and chunking (0002,
     * clean links): the streams of {@link #generate}, so every byte must arrive once and in order
     * through the reordering of the striped stream.
     */
    public static Scenario generateStriped(long seed) {
        Scenario base = generate(seed, false);
        SplittableRandom r = new SplittableRandom(~seed);
        List<LinkConfig> extra = new ArrayList<>();
        for (int i = 1 + r.nextInt(5); i > 0; i--) {
            extra.add(new LinkConfig(pick(r, 0L, 100_000L, MS, 10 * MS, 25 * MS, 50 * MS),
                    pick(r, 1_000_000L, 12_500_000L, 100_000_000L),
                    pick(r, 4096, 64 * 1024, 256 * 1024, 4 << 20),
                    pick(r, 100, 1500, 16 * 1024, 65 * 1024), 0));
        }
        // as both ends of a striped session run it
        double gain = MuxConfig.STRIPED_IN_FLIGHT_GAIN;
        return new Scenario(seed, ProtocolVersion.V2, base.link(), base.clientConfig().withInFlightGain(gain),
                base.serverConfig().withInFlightGain(gain), base.streams(), List.copyOf(extra));
    }

    private static final long MS = 1_000_000L;
    /** Long enough that every other stream of a scenario finishes inside it. */
    static final long STALL_NANOS = 120_000 * MS;

    public static Scenario generate(long seed, boolean corrupt) {
        SplittableRandom r = new SplittableRandom(seed);
        ProtocolVersion version = r.nextBoolean() ? ProtocolVersion.V2 : ProtocolVersion.V1;
        // a quarter of the sessions add an interactive session beside bulk transfers on a link
        // that buffers like ssh, so the latency invariant meets the case it is about
        boolean chatBesideBulk = r.nextInt(4) == 0;
        LinkConfig link = new LinkConfig(
                pick(r, 0L, 100_000L, MS, 10 * MS, 25 * MS, 50 * MS),
                pick(r, 1_000_000L, 12_500_000L, 100_000_000L, 1_000_000_000L),
                // the transport's own buffering: a pipe, up to what ssh, its socket and the pipes hold together
                chatBesideBulk ? pick(r, 4 << 20, 8 << 20) : pick(r, 4096, 16 * 1024, 64 * 1024, 256 * 1024, 4 << 20, 8 << 20),
                pick(r, 100, 1500, 16 * 1024, 65 * 1024),
                corrupt ? pick(r, 200, 2000, 20_000) : 0);
        MuxConfig base = MuxConfig.defaults()
                .withLatencyControl(r.nextInt(4) != 0, pick(r, 32768, 4096));
        MuxConfig clientConfig = r.nextInt(3) == 0 ? base.withKeepalive(Duration.ofSeconds(5), Duration.ofSeconds(15)) : base;
        // a quarter of the sessions have only 4 channel numbers, and their streams start over up to
        // 10 s, so numbers are reused (once their cool-down has passed)
        boolean reuse = r.nextInt(4) == 0;
        if (reuse) clientConfig = clientConfig.withMaxChannel(4);
        List<StreamSpec> streams = new ArrayList<>();
        int count = 1 + r.nextInt(corrupt ? 6 : 12);
        long spreadNanos = reuse ? pick(r, 500 * MS, 3_000 * MS, 10_000 * MS) : 500 * MS;
        for (int id = 1; id <= count; id++) streams.add(stream(r, id, spreadNanos));
        if (chatBesideBulk) {
            StreamSpec.Reader fast = StreamSpec.Reader.fast(pick(r, 4096, 64 * 1024, 256 * 1024));
            int bulks = 4 + r.nextInt(5);
            boolean up = r.nextBoolean();
            for (int i = 1; i <= bulks; i++) {
                long bulk = 512 * 1024 + r.nextLong(1536 * 1024);
                streams.add(StreamSpec.bulk(count + i, 0, up ? bulk : 0, up ? 0 : bulk, fast, fast));
            }
            streams.add(StreamSpec.interactive(count + bulks + 1, r.nextLong(50 * MS), 1 + r.nextInt(200), 2 + r.nextInt(20),
                    r.nextLong(20 * MS)));
        }
        return new Scenario(seed, version, link, clientConfig, base, List.copyOf(streams));
    }

    private static StreamSpec stream(SplittableRandom r, int id, long startSpreadNanos) {
        long start = r.nextLong(startSpreadNanos);
        if (r.nextInt(6) == 0) {
            StreamSpec.Reader fast = StreamSpec.Reader.fast(4096);
            return new StreamSpec(id, start, StreamSpec.Mode.DNS, 4 + r.nextInt(100), 4 + r.nextInt(600), 1,
                    pick(r, 0L, 50 * MS, 300 * MS), StreamSpec.Close.PARALLEL, fast, fast, StreamSpec.Fault.NONE, 0,
                    pick(r, 0L, MS, 20 * MS, 200 * MS));
        }
        StreamSpec.Close close = StreamSpec.Close.values()[r.nextInt(3)];
        StreamSpec.Reader clientReader = reader(r);
        StreamSpec.Reader serverReader = reader(r);
        StreamSpec.Fault fault = r.nextInt(5) < 3 ? StreamSpec.Fault.NONE
                : StreamSpec.Fault.values()[1 + r.nextInt(StreamSpec.Fault.values().length - 1)];
        long connectDelay = pick(r, 0L, MS, 20 * MS);
        if (r.nextInt(3) == 0) {
            boolean interactive = r.nextBoolean();
            long request = interactive ? 1 + r.nextInt(200) : 1 + size(r) / 8;
            long response = interactive ? 1 + r.nextInt(200) : 1 + size(r);
            int rounds = 1 + r.nextInt(interactive ? 20 : 5);
            long think = interactive ? r.nextLong(100 * MS) : 0;
            long faultAfter = 1 + r.nextLong(Math.max(1, Math.max(request, response) * rounds));
            return new StreamSpec(id, start, StreamSpec.Mode.REQUEST_RESPONSE, request, response, rounds, think, close,
                    clientReader, serverReader, fault, faultAfter, connectDelay);
        }
        long upBytes = r.nextInt(3) == 0 ? 0 : size(r);
        long downBytes = r.nextInt(4) == 0 ? 0 : size(r);
        long faultAfter = 1 + r.nextLong(Math.max(1, Math.max(upBytes, downBytes)));
        return new StreamSpec(id, start, StreamSpec.Mode.BULK, upBytes, downBytes, 1, 0, close,
                clientReader, serverReader, fault, faultAfter, connectDelay);
    }

    /** Mostly small transfers, some medium, a few large. */
    private static long size(SplittableRandom r) {
        return switch (r.nextInt(10)) {
            case 0, 1, 2, 3 -> r.nextLong(2048);
            case 4, 5, 6 -> r.nextLong(64 * 1024);
            case 7, 8 -> r.nextLong(600 * 1024);
            default -> r.nextLong(3 * 1024 * 1024);
        };
    }

    private static StreamSpec.Reader reader(SplittableRandom r) {
        int socket = pick(r, 4096, 64 * 1024, 256 * 1024);
        return switch (r.nextInt(10)) {
            case 0 -> new StreamSpec.Reader(StreamSpec.Reader.Kind.STALLED, 0, STALL_NANOS, socket);
            case 1, 2 -> new StreamSpec.Reader(StreamSpec.Reader.Kind.SLOW, pick(r, 500_000L, 5_000_000L), 0, socket);
            default -> StreamSpec.Reader.fast(socket);
        };
    }

    @SafeVarargs
    private static <T> T pick(SplittableRandom r, T... choices) {
        return choices[r.nextInt(choices.length)];
    }

    /** The same scenario with only the streams whose ids are in {@code keep}. */
    public Scenario keep(Set<Integer> keep) {
        return new Scenario(seed, version, link, clientConfig, serverConfig,
                streams.stream().filter(s -> keep.contains(s.id())).toList(), extraLanes);
    }

    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append("  seed=").append(seed).append(' ').append(version).append(' ').append(link)
                .append(version == ProtocolVersion.V1 ? " latencyControl=" + serverConfig.latencyControl()
                        + "/" + serverConfig.latencyBufferBytes() : "")
                .append(clientConfig.keepaliveIntervalNanos() > 0 ? " keepalive" : "")
                .append(extraLanes.isEmpty() ? "" : " striped, extra lanes " + extraLanes).append('\n');
        for (StreamSpec s : streams) b.append("    ").append(s).append('\n');
        return b.toString();
    }
}
