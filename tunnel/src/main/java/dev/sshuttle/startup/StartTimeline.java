package dev.sshuttle.startup;

import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the start goes: milestones from the exec of the command to the first tunnelled byte,
 * printed with -v as {@code sshuttle: start +0.412 s: <what>}. Time zero is the launcher's exec
 * (it exports {@code SSHUTTLE_EXEC_TIME=$EPOCHREALTIME}), else the JVM's own start (as the
 * kernel has it, to 10 ms). Milestones before {@link #print} are kept (a fixed, small number)
 * and printed then; after the first tunnelled byte nothing more is recorded. Thread-safe.
 */
public final class StartTimeline {
    /** Set by the ./sshuttle launcher to bash's $EPOCHREALTIME ("1733050000.123456") before it execs java. */
    public static final String EXEC_TIME_ENV = "SSHUTTLE_EXEC_TIME";
    private static final int MAX_EVENTS = 32;
    private static final StartTimeline INSTANCE = new StartTimeline(origin());

    private final long originMicros;
    private final List<String> early = new ArrayList<>();
    private PrintStream out;
    private boolean done;

    StartTimeline(long originMicros) {
        this.originMicros = originMicros;
    }

    /** Records a milestone (printed now with -v, or when -v is known). */
    public static void mark(String what) {
        INSTANCE.record(what, nowMicros());
    }

    /** The last milestone: the first byte came back through the tunnel. Later marks are ignored. */
    public static void firstTunnelledByte() {
        INSTANCE.record("first tunnelled byte", nowMicros());
        INSTANCE.finish();
    }

    /** From now on milestones go to out; the earlier ones are printed at once. Without -v, call {@link #discard}. */
    public static void print(PrintStream out) {
        INSTANCE.printTo(out);
    }

    /** Not verbose: nothing is kept or printed. */
    public static void discard() {
        INSTANCE.finish();
    }

    synchronized void record(String what, long micros) {
        if (done) return;
        String line = String.format("sshuttle: start +%.3f s: %s", (micros - originMicros) / 1e6, what);
        if (out != null) {
            out.println(line);
        } else if (early.size() < MAX_EVENTS) {
            early.add(line);
        }
    }

    synchronized void printTo(PrintStream stream) {
        if (done) return;
        out = stream;
        early.forEach(stream::println);
        early.clear();
    }

    synchronized void finish() {
        done = true;
        early.clear();
    }

    synchronized List<String> pending() {
        return List.copyOf(early);
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    /**
     * The exec time the launcher passed, else the process's start, else now. The launcher's time
     * is taken only when it is not before the process's start (the launcher execs java, so the
     * PID and its start time are the launcher's): a value inherited from some other process is not.
     */
    private static long origin() {
        long now = nowMicros();
        Long started = ProcessHandle.current().info().startInstant()
                .map(i -> i.getEpochSecond() * 1_000_000L + i.getNano() / 1000).orElse(null);
        Long fromLauncher = parseEpochRealtime(System.getenv(EXEC_TIME_ENV));
        return choose(fromLauncher, started, now);
    }

    static long choose(Long fromLauncher, Long processStart, long now) {
        // the kernel's start time is in clock ticks (10 ms): allow that much before it
        boolean plausible = fromLauncher != null && fromLauncher <= now
                && (processStart == null || fromLauncher >= processStart - 20_000);
        if (plausible) return fromLauncher;
        return processStart != null ? processStart : now;
    }

    /** "1733050000.123456" (bash's $EPOCHREALTIME; the separator may be a locale's comma) in µs; null when absent or odd. */
    static Long parseEpochRealtime(String text) {
        if (text == null) return null;
        String[] parts = text.strip().split("[.,]");
        if (parts.length != 2 || parts[1].length() != 6) return null;
        try {
            return Long.parseLong(parts[0]) * 1_000_000L + Long.parseLong(parts[1]);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
