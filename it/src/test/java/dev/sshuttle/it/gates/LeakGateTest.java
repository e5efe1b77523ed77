package dev.sshuttle.it.gates;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The gates catch a real leak in this very JVM and name it; they pass once it is gone. */
class LeakGateTest {
    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void fdGateNamesLeakedSocketsAndPassesOnceClosed() throws IOException {
        LeakGate.Baseline base = LeakGate.baseline(SELF, "test JVM");
        List<ServerSocket> leaked = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) leaked.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            AssertionFailedError e = assertThrows(AssertionFailedError.class,
                    () -> LeakGate.assertFdsReturn(base, 5, Duration.ofMillis(300)));
            assertTrue(e.getMessage().startsWith("fd leak in test JVM (pid " + SELF + ")"), e.getMessage());
            assertTrue(e.getMessage().matches("(?s).*: 2\\d x socket \\(socket:\\[\\d+\\], .*"), e.getMessage());
        } finally {
            for (ServerSocket s : leaked) s.close();
        }
        assertDoesNotThrow(() -> LeakGate.assertFdsReturn(base, 5, Duration.ofSeconds(5)));
    }

    @Test
    void rssGateFailsOnGrowthBeyondTheAllowance() {
        LeakGate.Baseline base = LeakGate.baseline(SELF, "test JVM");
        // fresh native pages, touched: heap arrays could land in pages the JVM already had
        // resident from earlier garbage, and then RSS would not grow at all
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment hog = arena.allocate(64L << 20);
            hog.fill((byte) 1);
            AssertionFailedError e = assertThrows(AssertionFailedError.class,
                    () -> LeakGate.assertRssReturns(base, 1024, Duration.ofMillis(300)));
            assertTrue(e.getMessage().startsWith("memory growth in test JVM"), e.getMessage());
            assertTrue(hog.get(ValueLayout.JAVA_BYTE, (64L << 20) - 1) == 1);
        }
    }

    @Test
    void processTreeFindsAChildByCommandLine() throws IOException {
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            List<ProcessTree.Proc> kids = ProcessTree.descendants(SELF);
            assertTrue(kids.stream().anyMatch(p -> p.pid() == sleeper.pid() && p.cmdline().equals("sleep 30")
                    && p.ppid() == SELF), kids.toString());
            assertTrue(ProcessGauge.fdCount(sleeper.pid()) >= 3);
            assertTrue(ProcessGauge.rssKb(sleeper.pid()) > 0);
        } finally {
            sleeper.destroy();
        }
    }

    @Test
    void measuringAVanishedProcessSaysSo() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ProcessGauge.fdCount(Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
