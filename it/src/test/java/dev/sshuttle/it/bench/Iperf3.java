package dev.sshuttle.it.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Netns;
import dev.sshuttle.it.topology.Topology;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * iperf3 on the topology: one server in the target namespace, clients started from a namespace
 * with -J, each bounded by its test time plus {@link #SLACK}. A client that fails or overruns is a
 * {@link Result} with an error, not an exception: one contender's failure must not lose the
 * others' measurements.
 */
final class Iperf3 {
    static final int PORT = 5201;
    /** Connection set-up, the end-of-test exchange and a loaded machine, beyond -t. */
    static final Duration SLACK = Duration.ofSeconds(30);
    private static final AtomicInteger RUNS = new AtomicInteger();

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
    record Running(BackgroundProcess process, Path log, Duration time, String what) {
        /** Waits for the end (at most time + SLACK) and reads the JSON report. */
        Result await() {
            try {
                if (!process.process().waitFor(time.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS)) {
                    process.close();
                    return Result.failed(what + " still running after " + time.plus(SLACK));
                }
            } catch (InterruptedException e) {
                process.close();
                Thread.currentThread().interrupt();
                return Result.failed(what + " interrupted");
            }
            return parse(process.log(), what);
        }
    }

    private Iperf3() {}

    /** iperf3 -s in the target namespace, once it listens; close() stops it. */
    static BackgroundProcess server(Topology t) {
        BackgroundProcess server = t.target().start(t.workDir().resolve("iperf3-server.log"),
                "iperf3", "-s", "-p", Integer.toString(PORT), "--forceflush");
        try {
            server.awaitLog("Server listening", Duration.ofSeconds(10));
        } catch (RuntimeException | AssertionError e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** Starts `iperf3 -c` from `from` towards server for `time`, with `streams` parallel streams; reverse: the server sends (-R). */
    static Running start(Topology t, Netns from, InetSocketAddress server, Duration time, int streams, boolean reverse) {
        List<String> argv = new ArrayList<>(List.of("iperf3", "-c", server.getAddress().getHostAddress(),
                "-p", Integer.toString(server.getPort()), "-t", Long.toString(time.toSeconds()), "-J",
                "--connect-timeout", "5000", "-P", Integer.toString(streams)));
        if (reverse) argv.add("-R");
        String what = "iperf3 " + String.join(" ", argv.subList(1, argv.size()));
        Path log = t.workDir().resolve("iperf3-client-" + RUNS.incrementAndGet() + ".json");
        return new Running(from.start(log, argv.toArray(String[]::new)), log, time, what);
    }

    /** As {@link #start}, waiting for the result. */
    static Result run(Topology t, Netns from, InetSocketAddress server, Duration time, int streams, boolean reverse) {
        return start(t, from, server, time, streams, reverse).await();
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
}
