package dev.sshuttle.it.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Netns;
import dev.sshuttle.it.topology.Topology;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * iperf3 on the topology: one server in the target namespace ({@link #serve}), clients started
 * from a namespace with -J, each bounded by its test time plus {@link #SLACK}. A client that fails
 * or overruns is a {@link Result} with an error (and what the server logged meanwhile), not an
 * exception: one contender's failure must not lose the others' measurements.
 */
final class Iperf3 implements AutoCloseable {
    static final int PORT = 5201;
    /** Connection set-up, the end-of-test exchange and a loaded machine, beyond -t. */
    static final Duration SLACK = Duration.ofSeconds(30);
    private static final int SERVER_LINES_IN_ERROR = 5;
    private static final Duration IDLE_WITHIN = Duration.ofSeconds(15);
    private final Topology t;
    private final BackgroundProcess server;
    private final AtomicInteger runs = new AtomicInteger();

    /** The receiver's view of one test: MB/s (10^6 bytes) and bytes; error non-null when it failed. */
    record Result(double mbPerSecond, long bytes, String error) {
        static Result failed(String why) {
            return new Result(Double.NaN, 0, why);
        }

        boolean ok() {
            return error == null;
        }
    }

    /** A client test in progress. */
    final class Running {
        private final BackgroundProcess process;
        private final Duration time;
        private final String what;
        private final int serverLogChars;

        private Running(BackgroundProcess process, Duration time, String what, int serverLogChars) {
            this.process = process;
            this.time = time;
            this.what = what;
            this.serverLogChars = serverLogChars;
        }

        /** Waits for the end (at most time + SLACK) and reads the JSON report. */
        Result await() {
            Result r;
            try {
                if (process.process().waitFor(time.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS)) {
                    r = parse(process.log(), what);
                } else {
                    process.close();
                    r = Result.failed(what + " still running after " + time.plus(SLACK));
                }
            } catch (InterruptedException e) {
                process.close();
                Thread.currentThread().interrupt();
                r = Result.failed(what + " interrupted");
            }
            return r.ok() ? r : Result.failed(r.error() + serverSaid(serverLogChars));
        }
    }

    private Iperf3(Topology t, BackgroundProcess server) {
        this.t = t;
        this.server = server;
    }

    /** iperf3 -s in the target namespace, once it listens; close() stops it. */
    static Iperf3 serve(Topology t) {
        BackgroundProcess server = t.target().start(t.workDir().resolve("iperf3-server.log"),
                "iperf3", "-s", "-p", Integer.toString(PORT), "--forceflush");
        try {
            server.awaitLog("Server listening", Duration.ofSeconds(10));
        } catch (RuntimeException | AssertionError e) {
            server.close();
            throw e;
        }
        return new Iperf3(t, server);
    }

    /** Starts `iperf3 -c` from `from` towards server for `time`, with `streams` parallel streams; reverse: the server sends (-R). */
    Running start(Netns from, InetSocketAddress to, Duration time, int streams, boolean reverse) {
        return start(from, to, time, streams, reverse, Duration.ZERO);
    }

    /**
     * As {@link #start(Netns, InetSocketAddress, Duration, int, boolean)}, the first `omit` of the
     * test left out of the result (--omit: the ramp-up, which over a long round trip is seconds).
     */
    Running start(Netns from, InetSocketAddress to, Duration time, int streams, boolean reverse, Duration omit) {
        List<String> argv = new ArrayList<>(List.of("iperf3", "-c", to.getAddress().getHostAddress(),
                "-p", Integer.toString(to.getPort()), "-t", Long.toString(time.toSeconds()), "-J",
                "--connect-timeout", "5000", "-P", Integer.toString(streams)));
        if (reverse) argv.add("-R");
        if (!omit.isZero()) argv.addAll(List.of("-O", Long.toString(omit.toSeconds())));
        String what = "iperf3 " + String.join(" ", argv.subList(1, argv.size()));
        awaitIdleServer();
        int serverLogChars = server.log().length();
        BackgroundProcess client = from.start(t.workDir().resolve("iperf3-client-" + runs.incrementAndGet() + ".json"),
                argv.toArray(String[]::new));
        return new Running(client, time.plus(omit), what, serverLogChars);
    }

    /**
     * iperf3 -s runs one test at a time and turns a client away ("the server is busy running a
     * test") while it still winds the last one down, which through a slow tunnel can outlast the
     * client's exit. It is idle again once it logged "Server listening" after the last "Accepted
     * connection". Waits at most IDLE_WITHIN; after that the client's own error will say why.
     */
    private void awaitIdleServer() {
        long deadline = System.nanoTime() + IDLE_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            String log = server.log();
            if (log.lastIndexOf("Server listening") > log.lastIndexOf("Accepted connection")) return;
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    /** As {@link #start}, waiting for the result. */
    Result run(Netns from, InetSocketAddress to, Duration time, int streams, boolean reverse) {
        return start(from, to, time, streams, reverse).await();
    }

    /** The last lines the server logged since `fromChar`, for an error message. */
    private String serverSaid(int fromChar) {
        String log = server.log();
        List<String> lines = log.substring(Math.min(fromChar, log.length())).lines()
                .filter(l -> !l.isBlank() && !l.startsWith("[") && !l.startsWith("- -") && !l.startsWith("--")).toList();
        if (lines.isEmpty()) return "";
        return " (iperf3 server: " + String.join(" / ", lines.subList(Math.max(0, lines.size() - SERVER_LINES_IN_ERROR), lines.size())) + ")";
    }

    /** end.sum_received of iperf3's -J report: what the receiving side got, whichever side that is. */
    static Result parse(String output, String what) {
        int start = output.indexOf('{');
        if (start < 0) return Result.failed(what + ": no JSON report: " + output.strip());
        try {
            JsonObject report = JsonParser.parseString(output.substring(start)).getAsJsonObject();
            if (report.has("error")) return Result.failed(what + ": " + report.get("error").getAsString());
            JsonObject received = report.getAsJsonObject("end").getAsJsonObject("sum_received");
            return new Result(received.get("bits_per_second").getAsDouble() / 8 / 1e6, received.get("bytes").getAsLong(), null);
        } catch (RuntimeException e) {
            return Result.failed(what + ": unreadable report (" + e.getMessage() + ")");
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
