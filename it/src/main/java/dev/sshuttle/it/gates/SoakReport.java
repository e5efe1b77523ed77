package dev.sshuttle.it.gates;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The soak's record: numbers a run measured, fd and RSS samples over time, gate verdicts;
 * written as it/target/soak-report.json, soak-report.md and, with samples, soak-report.png (the
 * directory comes from the {@code it.reports} system property the pom sets). CI archives all.
 */
public final class SoakReport {
    private static final int TABLE_ROWS = 24;

    private final String title;
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final List<TunnelResources.Sample> samples = new ArrayList<>();
    private final Instant started = Instant.now();

    public SoakReport(String title) {
        this.title = title;
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

    /** Records one value (a count, a size, a verdict, or a map of them). */
    public SoakReport put(String key, Object value) {
        values.put(key, value);
        return this;
    }

    /** Records a latency histogram's percentiles under key. */
    public SoakReport latency(String key, LatencyProbe.Report r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", r.samples());
        for (double p : new double[] {50, 90, 99, 99.9}) m.put("p" + (p == (int) p ? Integer.toString((int) p) : Double.toString(p)) + "_ms", r.percentile(p).toNanos() / 1e6);
        m.put("max_ms", r.max().toNanos() / 1e6);
        values.put(key, m);
        return this;
    }

    /** Adds one fd/RSS sample of the time series (plotted, and listed in the JSON). */
    public synchronized SoakReport sample(TunnelResources.Sample s) {
        samples.add(s);
        return this;
    }

    /** Writes soak-report.json, soak-report.md and (with samples) soak-report.png; returns the JSON file. */
    public synchronized Path write() {
        values.put("elapsed_s", Duration.between(started, Instant.now()).toSeconds());
        Path dir = Path.of(System.getProperty("it.reports", "target"));
        try {
            Files.createDirectories(dir);
            Map<String, Object> all = new LinkedHashMap<>(values);
            if (!samples.isEmpty()) all.put("samples", samples);
            Path json = dir.resolve("soak-report.json");
            Files.writeString(json, new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(all));
            Files.writeString(dir.resolve("soak-report.md"), markdown());
            if (!samples.isEmpty()) SoakPlot.write(samples, title, dir.resolve("soak-report.png"));
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the soak report under " + dir + ": " + e.getMessage(), e);
        }
    }

    private String markdown() {
        StringBuilder md = new StringBuilder("# ").append(title).append("\n\n");
        values.forEach((k, v) -> {
            if (!(v instanceof Map<?, ?>)) md.append("- ").append(k).append(": ").append(v).append('\n');
        });
        values.forEach((k, v) -> {
            if (v instanceof Map<?, ?> m) {
                md.append("\n## ").append(k).append("\n\n| | |\n|---|---|\n");
                m.forEach((mk, mv) -> md.append("| ").append(mk).append(" | ").append(String.valueOf(mv).replace("\n", " ")).append(" |\n"));
            }
        });
        if (!samples.isEmpty()) {
            md.append("\n## fds and RSS over time\n\n![fd count and RSS over time](soak-report.png)\n\n")
                    .append("| s | client fds | client RSS KiB | agent fds | agent RSS KiB |\n|---|---|---|---|---|\n");
            int step = Math.max(1, samples.size() / TABLE_ROWS);
            for (int i = 0; i < samples.size(); i += step) row(md, samples.get(i));
            if ((samples.size() - 1) % step != 0) row(md, samples.getLast());
        }
        return md.toString();
    }

    private static void row(StringBuilder md, TunnelResources.Sample s) {
        md.append(String.format("| %.0f | %d | %d | %d | %d |%n", s.seconds(), s.clientFds(), s.clientRssKb(), s.agentFds(), s.agentRssKb()));
    }
}
