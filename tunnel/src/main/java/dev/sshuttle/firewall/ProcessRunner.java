package dev.sshuttle.firewall;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs tool commands as child processes with {@code LC_ALL=C} (stable messages) and a fixed
 * system PATH (never the user's: this runs as root; the program itself is an absolute path
 * from {@link ToolPaths}, since the JDK would look a bare name up in our own PATH). A command that does not finish within
 * the time limit is killed and reported, so a wedged tool cannot hang the helper.
 */
public final class ProcessRunner implements CommandRunner {
    private static final int OUTPUT_LIMIT_BYTES = 64 * 1024;
    private final Duration timeout;

    public ProcessRunner(Duration timeout) {
        this.timeout = timeout;
    }

    public ProcessRunner() {
        this(Duration.ofSeconds(30));
    }

    @Override
    public Result run(List<String> argv) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.put("LC_ALL", "C");
        env.put("PATH", ToolPaths.SAFE_PATH);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return new Result(argv, 127, "cannot run " + argv.getFirst() + ": " + e.getMessage());
        }
        // read on another thread so that a tool that hangs without printing still times out
        CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> readOutput(process),
                Thread.ofVirtual()::start);
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return new Result(argv, 124, "timed out after " + timeout.toSeconds() + " s");
            }
            String text = new String(output.get(timeout.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8);
            return new Result(argv, process.exitValue(), text);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", argv), e);
        } catch (ExecutionException | TimeoutException e) {
            // the tool exited but something it started keeps the output open: report what we have
            return new Result(argv, process.exitValue(), "(output not readable: " + e + ")");
        }
    }

    private static byte[] readOutput(Process process) {
        try (InputStream out = process.getInputStream()) {
            return out.readNBytes(OUTPUT_LIMIT_BYTES);
        } catch (IOException e) {
            return ("(reading output failed: " + e.getMessage() + ")").getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Whether the program runs at all and exits 0 with these arguments. */
    public boolean works(List<String> argv) {
        try {
            return run(argv).ok();
        } catch (IOException e) {
            return false;
        }
    }
}
