package dev.sshuttle.firewall;

import dev.sshuttle.net.SubnetRule;

import dev.sshuttle.startup.StartTimeline;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The client's end of the firewall helper: starts it, hands it the rules and keeps its stdin
 * open for the whole session. Closing (or this process dying) closes the pipe, and the helper
 * removes its rules. See {@link FirewallHelper} for the protocol.
 */
public final class FirewallClient implements AutoCloseable {
    /** sshuttle 1.1.2 skips this many lines before READY (sudo lecture, motd-like noise). */
    static final int MAX_JUNK_LINES = 100;
    /** READY may wait for a human typing a sudo password. */
    public static final Duration READY_TIMEOUT = Duration.ofMinutes(5);
    static final Duration STARTED_TIMEOUT = Duration.ofSeconds(60);
    static final Duration EXIT_TIMEOUT = Duration.ofSeconds(10);
    private static final String EOF = "\u0000EOF";

    private final Process process;
    private final BlockingQueue<String> fromHelper;
    private final String method;

    private FirewallClient(Process process, BlockingQueue<String> fromHelper, String method) {
        this.process = process;
        this.fromHelper = fromHelper;
        this.method = method;
    }

    /** Starts the helper from this program (with sudo/doas unless root) and installs the rules. */
    public static FirewallClient start(String method, FirewallRules rules) throws IOException {
        return start(method, rules, false, DEFAULT_MARK);
    }

    /** As {@link #start(String, FirewallRules)}, with UDP captured too (tproxy) and the tproxy mark. */
    public static FirewallClient start(String method, FirewallRules rules, boolean udp, int tmark) throws IOException {
        return start(HelperCommand.forThisProgram(method), method, rules, READY_TIMEOUT, udp, tmark);
    }

    /** The tproxy mark when none is asked for (sshuttle's --tmark default). */
    public static final int DEFAULT_MARK = TproxyMethod.DEFAULT_MARK;

    public static FirewallClient start(List<String> helperCommand, String method, FirewallRules rules,
            Duration readyTimeout) throws IOException {
        return start(helperCommand, method, rules, readyTimeout, false, DEFAULT_MARK);
    }

    /**
     * Starts the helper from this program ahead of its rules. Through sudo/doas it waits for
     * READY here, so a password prompt comes before ssh's own prompts (sshuttle's order); as
     * root it returns at once and the helper gets ready while ssh connects.
     */
    public static Launched launch(String method) throws IOException {
        Launched launched = launch(HelperCommand.forThisProgram(method));
        if (launchMayPrompt()) launched.awaitReady(READY_TIMEOUT);
        return launched;
    }

    /** Not root: the helper runs through sudo/doas, which may ask for a password. */
    public static boolean launchMayPrompt() {
        return !HelperCommand.isRoot();
    }

    /**
     * Starts the helper with an explicit command line (tests run it inside a namespace), waits
     * for READY, sends the rules and waits for STARTED. The helper's stderr goes to ours.
     */
    public static FirewallClient start(List<String> helperCommand, String method, FirewallRules rules,
            Duration readyTimeout, boolean udp, int tmark) throws IOException {
        return launch(helperCommand).install(method, rules, readyTimeout, udp, tmark);
    }

    /**
     * Starts the helper process without waiting for it: its JVM starts and it finds its tools
     * while ssh connects, and {@link Launched#install} sends the rules once they are known.
     */
    public static Launched launch(List<String> helperCommand) throws IOException {
        Process process = new ProcessBuilder(helperCommand).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BlockingQueue<String> lines = new ArrayBlockingQueue<>(MAX_JUNK_LINES + 16);
        Thread.ofVirtual().name("firewall-helper-stdout").start(() -> pump(process, lines));
        return new Launched(process, lines);
    }

    /** A helper started ahead of its rules; closing it before {@link #install} ends it, nothing installed. */
    public static final class Launched implements AutoCloseable {
        private final Process process;
        private final BlockingQueue<String> lines;
        private String ready;
        private boolean handedOver;

        private Launched(Process process, BlockingQueue<String> lines) {
            this.process = process;
            this.lines = lines;
        }

        /** Waits for READY (a sudo password prompt may come first); idempotent. */
        public void awaitReady(Duration timeout) throws IOException {
            if (ready != null) return;
            try {
                ready = FirewallClient.awaitReady(process, lines, timeout);
            } catch (IOException | RuntimeException e) {
                process.destroyForcibly();
                throw e;
            }
            StartTimeline.mark("firewall helper ready");
        }

        /** Waits for READY, sends the rules and waits for STARTED: the rules are in place. */
        public FirewallClient install(String method, FirewallRules rules, Duration readyTimeout, boolean udp, int tmark)
                throws IOException {
            awaitReady(readyTimeout);
            FirewallClient client = new FirewallClient(process, lines, ready.substring(HelperLines.READY.length()).strip());
            try {
                try {
                    client.sendRules(method, rules, udp, tmark);
                } catch (IOException e) {
                    // a helper that stopped reading has said why on stderr; its status is the clue here
                    throw new IOException("firewall helper stopped reading its rules ("
                            + (process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                                    ? "exit status " + process.exitValue() : e.getMessage()) + ")", e);
                }
                client.awaitLine(HelperLines.STARTED, STARTED_TIMEOUT);
                handedOver = true;
                return client;
            } catch (IOException | RuntimeException e) {
                process.destroyForcibly();
                throw e;
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting the firewall helper", e);
            }
        }

        /** Before install: EOF on its stdin (it exits 0 with nothing installed), then a bounded wait. */
        @Override
        public void close() {
            if (handedOver) return;
            try {
                process.getOutputStream().close();
                if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) process.destroyForcibly();
            } catch (IOException e) {
                process.destroyForcibly();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The method the helper reported in READY (auto already resolved) from its own arguments;
     * the METHOD line this client sends afterwards takes precedence.
     */
    public String helperMethod() {
        return method;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Closes the helper's stdin and waits for it to remove the rules and exit; returns its exit status. */
    @Override
    public void close() throws IOException {
        process.getOutputStream().close();
        try {
            if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroy(); // SIGTERM: its shutdown hook still removes the rules
                if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) process.destroyForcibly();
                throw new IOException("firewall helper did not exit within " + EXIT_TIMEOUT.toSeconds() + " s of EOF");
            }
            if (process.exitValue() != 0) {
                throw new IOException("firewall helper exited with status " + process.exitValue()
                        + " (see its message above)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the firewall helper", e);
        }
    }

    /** HOST lines for the helper's /etc/hosts block; one burst, so the helper rewrites the file once. */
    public synchronized void sendHosts(List<HostEntry> entries) throws IOException {
        StringBuilder b = new StringBuilder();
        for (HostEntry e : entries) b.append(HelperLines.HOST).append(' ').append(e.text()).append('\n');
        OutputStream out = process.getOutputStream();
        out.write(b.toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Completes with the helper's exit status when it ends; a session may treat an early end as fatal. */
    public CompletableFuture<Integer> onExit() {
        return process.onExit().thenApply(Process::exitValue);
    }

    /** Exit status once the helper has ended, if it has. */
    public Optional<Integer> exitStatus() {
        return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
    }

    private void sendRules(String requestedMethod, FirewallRules rules, boolean udp, int tmark) throws IOException {
        StringBuilder request = new StringBuilder();
        request.append(HelperLines.METHOD).append(' ').append(requestedMethod).append('\n');
        request.append(HelperLines.ROUTES).append('\n');
        for (SubnetRule rule : rules.subnets()) request.append(HelperLines.subnet(rule)).append('\n');
        request.append(HelperLines.NSLIST).append('\n');
        for (Nameserver ns : rules.nameservers()) request.append(HelperLines.nameserver(ns)).append('\n');
        request.append(HelperLines.ports(rules.ports())).append('\n');
        request.append(HelperLines.go(ProcessHandle.current().pid(), rules.owner(), udp, tmark)).append('\n');
        OutputStream out = process.getOutputStream();
        out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String awaitReady(Process process, BlockingQueue<String> lines, Duration timeout)
            throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i <= MAX_JUNK_LINES; i++) {
            String line = next(process, lines, deadline, "READY");
            if (line.startsWith(HelperLines.READY + " ")) return line;
        }
        throw new IOException("firewall helper printed " + MAX_JUNK_LINES + " lines but no READY");
    }

    private void awaitLine(String expected, Duration timeout) throws IOException {
        String line = next(process, fromHelper, System.nanoTime() + timeout.toNanos(), expected);
        if (!line.equals(expected)) {
            throw new IOException("firewall helper said '" + line + "', expected " + expected);
        }
    }

    private static String next(Process process, BlockingQueue<String> lines, long deadlineNanos, String awaited)
            throws IOException {
        try {
            String line = lines.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) throw new IOException("firewall helper sent no " + awaited + " in time");
            if (line.equals(EOF)) {
                String status = process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                        ? "exit status " + process.exitValue() : "still running";
                throw new IOException("firewall helper ended before " + awaited + " (" + status
                        + "; see its message above)");
            }
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the firewall helper", e);
        }
    }

    /** Moves the helper's stdout lines into the queue; EOF as a marker. */
    private static void pump(Process process, BlockingQueue<String> lines) {
        LineReader reader = new LineReader(new BufferedInputStream(process.getInputStream()));
        try {
            for (String line; (line = reader.readLine()) != null; ) {
                // bounded queue: a helper flooding stdout blocks itself, not our memory
                lines.put(line);
            }
        } catch (IOException | InterruptedException e) {
            // treated as EOF below
        }
        try {
            lines.put(EOF);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
