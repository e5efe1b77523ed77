package dev.sshuttle.sim;

import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.ProtocolVersion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole simulated session: two muxes joined by a {@link LinkConfig} link in both directions,
 * and the applications of a {@link Scenario}. {@link #run()} steps the simulation until every
 * stream is finished, checking the invariants on the way and at the end.
 */
public final class Session {
    /** Virtual time after which an unfinished scenario counts as deadlocked. */
    static final long TIME_LIMIT_NANOS = 1_800_000_000_000L;
    /** Events after which a scenario counts as livelocked. */
    static final long EVENT_LIMIT = 20_000_000L;

    final Simulation sim;
    final Scenario scenario;
    final Endpoint client;
    final Endpoint server;
    final LinkDirection up;
    final LinkDirection down;
    /** Every lane's link each way, the first transport's (up, down) first. */
    final List<LinkDirection> ups = new ArrayList<>();
    final List<LinkDirection> downs = new ArrayList<>();
    private final Map<Integer, StreamRun> streams = new LinkedHashMap<>();
    private final List<String> violations = new ArrayList<>();
    private String protocolError;
    long latencyRoundTrips;
    double worstLatencyShare;
    private long lastDoneNanos;
    private boolean finished;

    public Session(Scenario scenario) {
        this.scenario = scenario;
        this.sim = new Simulation(scenario.seed() * 0x9E3779B97F4A7C15L + 1);
        this.client = new Endpoint(this, Mux.Role.CLIENT, scenario.version(), scenario.clientConfig());
        this.server = new Endpoint(this, Mux.Role.SERVER, scenario.version(), scenario.serverConfig());
        for (LinkConfig lane : scenario.lanes()) {
            LinkDirection u = new LinkDirection(sim, lane);
            LinkDirection d = new LinkDirection(sim, lane);
            int i = ups.size();
            u.connect(server.lane(i)::deliver, client.lane(i)::onRoom);
            d.connect(client.lane(i)::deliver, server.lane(i)::onRoom);
            ups.add(u);
            downs.add(d);
        }
        this.up = ups.getFirst();
        this.down = downs.getFirst();
        client.connect(ups);
        server.connect(downs);
        for (StreamSpec spec : scenario.streams()) {
            StreamRun run = new StreamRun(spec, this);
            streams.put(spec.id(), run);
            sim.at(spec.startNanos(), () -> {
                run.startedNanos = sim.now();
                client.open(run);
            });
        }
    }

    public Outcome run() {
        try {
            loop();
            if (protocolError == null && !corrupt()) checkEnd();
            if (protocolError == null && corrupt()) checkSilenceDetected();
        } catch (RuntimeException | AssertionError e) {
            var text = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(text));
            violations.add("exception: " + text.toString().lines().limit(12).reduce((a, b) -> a + "\n    " + b).orElse(""));
        }
        return new Outcome(scenario, List.copyOf(violations), protocolError, sim.now(), sim.eventsRun(),
                up.damages() + down.damages(), streams, client.reusedChannels, latencyBound(),
                latencyRoundTrips, worstLatencyShare);
    }

    private void loop() {
        int done = 0;
        while (done < streams.size() && protocolError == null) {
            if (sim.eventsRun() > EVENT_LIMIT) {
                violations.add("livelock: " + EVENT_LIMIT + " events and streams still running\n" + unfinished());
                return;
            }
            if (sim.nextEventNanos() > TIME_LIMIT_NANOS || !sim.step()) {
                if (!corrupt()) violations.add("deadlock: nothing left to do at " + sim.now() / 1_000_000 + " ms\n" + unfinished());
                return;
            }
            client.pump();
            server.pump();
            done = countDone();
        }
        finished = done == streams.size();
    }

    private int countDone() {
        int done = 0;
        for (StreamRun s : streams.values()) {
            if (s.doneNanos < 0 && s.done()) {
                s.doneNanos = sim.now();
                lastDoneNanos = sim.now();
            }
            if (s.doneNanos >= 0) done++;
        }
        return done;
    }

    private String unfinished() {
        StringBuilder b = new StringBuilder();
        for (StreamRun s : streams.values()) if (s.doneNanos < 0) b.append("    ").append(s).append('\n');
        return b.toString();
    }

    private void checkEnd() {
        new EndChecker(this).check(streams.values());
        if (client.mux().openChannelCount() != 0 || server.mux().openChannelCount() != 0) {
            violation("freed", "channels still open at the end: client " + client.mux().openChannelCount()
                    + ", server " + server.mux().openChannelCount());
        }
    }

    /** A client with keepalive whose input was cut must notice (docs/protocol.md, Keepalive). */
    private void checkSilenceDetected() {
        if (finished) return; // every stream was done before the cut mattered
        if (down.truncated() && scenario.clientConfig().keepaliveIntervalNanos() > 0 && client.keepaliveTimeouts != 1) {
            violations.add("keepalive: the server's stream was cut but the client's keepalive fired "
                    + client.keepaliveTimeouts + " times");
        }
    }

    /** The bound on an interactive round trip in this session, from the link and the in-flight bounds both sides used. */
    LatencyBound latencyBound() {
        return new LatencyBound(scenario.slowestLane(), client.maxInFlightLimitBytes, server.maxInFlightLimitBytes);
    }

    void latencyChecked(long rttNanos, long boundNanos) {
        latencyRoundTrips++;
        worstLatencyShare = Math.max(worstLatencyShare, (double) rttNanos / boundNanos);
    }

    void violation(String kind, String message) {
        // a damaged stream may do anything a protocol error does not catch, except grow memory
        if (corrupt() && !kind.equals("window")) return;
        if (violations.size() < 20) violations.add(kind + ": " + message);
    }

    void protocolError(String message) {
        if (protocolError == null) protocolError = message;
        if (!corrupt()) violations.add("protocol: a clean link produced " + message);
    }

    boolean dead() {
        return protocolError != null;
    }

    boolean corrupt() {
        return scenario.link().corruptPerMillion() > 0;
    }

    StreamRun stream(int id) {
        return streams.get(id);
    }

    ProtocolVersion version() {
        return scenario.version();
    }

    long lastDoneNanos() {
        return lastDoneNanos;
    }
}
