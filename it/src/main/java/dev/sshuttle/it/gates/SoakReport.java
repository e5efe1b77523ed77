package dev.sshuttle.it.gates;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The soak's record: numbers a run measured, written as it/target/soak-report.json and
 * soak-report.txt (the directory comes from the {@code it.reports} system property the pom
 * sets). CI archives both.
 */
public final class SoakReport {
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Instant started = Instant.now();

    public SoakReport(String title) {
        values.put("title", title);
        values.put("started", started.toString());
    }

    /** The configured soak duration ({@code -Dsoak.duration=PT2H}; the pom's default otherwise). */
    public static Duration configuredDuration(Duration fallback) {
        String v = System.getProperty("soak.duration");
        try {
            return v == null || v.isBlank() ? fallback : Duration.parse(v);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("soak.duration must be an ISO-8601 duration like PT2H, not '" + v + "'", e);
        }
    }

    /** Records one value (a count, a size, a verdict). */
    public SoakReport put(String key, Object value) {
        values.put(key, value);
        return this;
    }

    /** Records a latency histogram's percentiles under key. */
    public SoakReport latency(String key, LatencyProbe.Report r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", r.samples());
        m.put("p50_ms", r.p50().toNanos() / 1e6);
        m.put("p99_ms", r.p99().toNanos() / 1e6);
        m.put("max_ms", r.max().toNanos() / 1e6);
        values.put(key, m);
        return this;
    }

    /** Writes soak-report.json and soak-report.txt; returns the JSON file. */
    public Path write() {
        values.put("elapsed_s", Duration.between(started, Instant.now()).toSeconds());
        Path dir = Path.of(System.getProperty("it.reports", "target"));
        try {
            Files.createDirectories(dir);
            Path json = dir.resolve("soak-report.json");
            Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(values));
            StringBuilder txt = new StringBuilder();
            values.forEach((k, v) -> txt.append(k).append(": ").append(v).append('\n'));
            Files.writeString(dir.resolve("soak-report.txt"), txt);
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the soak report under " + dir + ": " + e.getMessage(), e);
        }
    }
}
