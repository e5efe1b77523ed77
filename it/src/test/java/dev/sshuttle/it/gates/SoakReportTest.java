package dev.sshuttle.it.gates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SoakReportTest {
    @Test
    void writesJsonMarkdownAndPlot(@TempDir Path dir) throws IOException {
        String before = System.getProperty("it.reports");
        System.setProperty("it.reports", dir.toString());
        try {
            Histogram h = new Histogram(60_000_000L, 3);
            for (int i = 1; i <= 100; i++) h.recordValue(i * 1000L); // 1..100 ms
            Path json = new SoakReport("unit").put("connections", 1234).latency("echo", new LatencyProbe.Report(h))
                    .sample(new TunnelResources.Sample(0, 40, 100_000, 5, 12_000))
                    .sample(new TunnelResources.Sample(5, 42, 101_000, 5, 12_100)).write();
            JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
            assertEquals(1234, o.get("connections").getAsInt());
            assertEquals(50.0, o.getAsJsonObject("echo").get("p50_ms").getAsDouble(), 0.1);
            assertEquals(42, o.getAsJsonArray("samples").get(1).getAsJsonObject().get("clientFds").getAsInt());
            String md = Files.readString(dir.resolve("soak-report.md"));
            assertTrue(md.contains("- connections: 1234") && md.contains("| 5 | 42 | 101000 | 5 | 12100 |"), md);
            assertTrue(javax.imageio.ImageIO.read(dir.resolve("soak-report.png").toFile()).getWidth() > 0, "no PNG plot");
        } finally {
            if (before == null) System.clearProperty("it.reports");
            else System.setProperty("it.reports", before);
        }
    }

    @Test
    void badDurationSaysWhatItWants() {
        String before = System.getProperty("soak.duration");
        System.setProperty("soak.duration", "2 hours");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SoakReport.configuredDuration(Duration.ofMinutes(1)));
            assertTrue(e.getMessage().contains("ISO-8601"), e.getMessage());
        } finally {
            if (before == null) System.clearProperty("soak.duration");
            else System.setProperty("soak.duration", before);
        }
    }
}
