package dev.sshuttle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** With the client's JVM options (tunnel/jvm.options, as the launcher uses them) an OutOfMemoryError ends the process. */
class OutOfMemoryExitTest {
    @Test
    void anOutOfMemoryErrorEndsTheClientJvmAtOnce() throws Exception {
        Path options = Path.of("jvm.options").toAbsolutePath();
        assertTrue(Files.isRegularFile(options), "no " + options);
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + options, "-Xmx32m", "-cp", System.getProperty("java.class.path"), OutOfMemoryTestMain.class.getName()));
        Path log = Files.createTempFile("oom", ".log");
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            boolean ended = p.waitFor(10, TimeUnit.SECONDS);
            if (!ended) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(ended, "the JVM outlived its OutOfMemoryError by 10 s; output:\n" + out);
            assertEquals(3, p.exitValue(), out); // HotSpot's code for -XX:+ExitOnOutOfMemoryError
            assertTrue(out.contains("Terminating due to java.lang.OutOfMemoryError"), out);
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }
}
