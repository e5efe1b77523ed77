package dev.sshuttle.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StartTimelineTest {
    @Test
    void parsesBashEpochRealtime() {
        assertEquals(1_733_050_000_123_456L, StartTimeline.parseEpochRealtime("1733050000.123456"));
        assertEquals(1_733_050_000_123_456L, StartTimeline.parseEpochRealtime("1733050000,123456")); // a locale's comma
        assertNull(StartTimeline.parseEpochRealtime(""));
        assertNull(StartTimeline.parseEpochRealtime(null));
        assertNull(StartTimeline.parseEpochRealtime("1733050000"));
        assertNull(StartTimeline.parseEpochRealtime("soon.123456"));
    }

    @Test
    void takesTheLauncherTimeOnlyWhenItBelongsToThisProcess() {
        long start = 1_000_000_000L;
        assertEquals(start + 3_000, StartTimeline.choose(start + 3_000, start, start + 500_000));
        // the kernel's start time is coarse (10 ms ticks): a launcher time just before it is still ours
        assertEquals(start - 9_000, StartTimeline.choose(start - 9_000, start, start + 500_000));
        // inherited from an older process: the process's own start instead
        assertEquals(start, StartTimeline.choose(start - 60_000_000, start, start + 500_000));
        // in the future: not believable
        assertEquals(start, StartTimeline.choose(start + 900_000, start, start + 500_000));
        assertEquals(start + 500_000, StartTimeline.choose(null, null, start + 500_000));
    }

    @Test
    void keepsEarlyMilestonesUntilPrintedAndStopsAfterTheFirstByte() {
        StartTimeline timeline = new StartTimeline(0);
        timeline.record("main", 76_000);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        timeline.printTo(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        timeline.record("ssh started", 288_000);
        timeline.finish();
        timeline.record("later", 999_000);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals("sshuttle: start +0.076 s: main" + System.lineSeparator()
                + "sshuttle: start +0.288 s: ssh started" + System.lineSeparator(), out);
        assertTrue(timeline.pending().isEmpty());
    }

    @Test
    void keepsABoundedNumberBeforePrinting() {
        StartTimeline timeline = new StartTimeline(0);
        for (int i = 0; i < 100; i++) timeline.record("m" + i, i);
        assertEquals(32, timeline.pending().size());
    }
}
