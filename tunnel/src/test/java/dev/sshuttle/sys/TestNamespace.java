package dev.sshuttle.sys;

import dev.sshuttle.firewall.CommandRunner;
import dev.sshuttle.firewall.ProcessRunner;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A throwaway network namespace {@code sshj-fw-<pid>-<random>} with lo up, deleted on close.
 * Creating one first deletes namespaces of this prefix whose creating JVM is gone (a killed
 * test run), never those of a live run.
 */
public final class TestNamespace implements AutoCloseable {
    public static final String PREFIX = "sshj-fw-";
    private static final ProcessRunner RUNNER = new ProcessRunner();
    private final String name;

    private TestNamespace(String name) {
        this.name = name;
    }

    public static TestNamespace create() throws IOException {
        reapStale();
        String name = PREFIX + ProcessHandle.current().pid() + "-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        RUNNER.require(List.of("ip", "netns", "add", name));
        TestNamespace ns = new TestNamespace(name);
        try {
            ns.exec("ip", "link", "set", "lo", "up");
        } catch (IOException | RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    public String name() {
        return name;
    }

    /** The argv prefix that runs a command inside this namespace. */
    public List<String> inside(String... argv) {
        return Stream.concat(Stream.of("ip", "netns", "exec", name), Stream.of(argv)).toList();
    }

    /** Runs a command inside; throws with its output unless it exits 0; returns its output. */
    public String exec(String... argv) throws IOException {
        return RUNNER.require(inside(argv)).output();
    }

    /**
     * Adds a veth pair v0/v1 with 10.9.9.1/24 and fd00:9::1/64 on v0, so that connect() to other
     * addresses of those ranges (10.9.9.9, fd00:9::9) is routed and reaches netfilter's OUTPUT hook.
     */
    public void routeFakeRemotes() throws IOException {
        exec("ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1");
        exec("ip", "addr", "add", "10.9.9.1/24", "dev", "v0");
        exec("ip", "addr", "add", "fd00:9::1/64", "dev", "v0", "nodad");
        exec("ip", "link", "set", "v1", "up");
        exec("ip", "link", "set", "v0", "up");
    }

    /** Runs a command inside and returns how it ended. */
    public CommandRunner.Result run(String... argv) throws IOException {
        return RUNNER.run(inside(argv));
    }

    @Override
    public void close() throws IOException {
        RUNNER.require(List.of("ip", "netns", "del", name));
    }

    static void reapStale() throws IOException {
        for (String line : RUNNER.require(List.of("ip", "netns", "list")).output().split("\n")) {
            String ns = line.split(" ")[0];
            if (!ns.startsWith(PREFIX)) continue;
            String[] parts = ns.substring(PREFIX.length()).split("-");
            boolean ownerAlive;
            try {
                ownerAlive = ProcessHandle.of(Long.parseLong(parts[0])).isPresent();
            } catch (NumberFormatException e) {
                ownerAlive = false; // not our naming: stale by definition of the prefix
            }
            if (!ownerAlive) RUNNER.run(new ArrayList<>(List.of("ip", "netns", "del", ns)));
        }
    }
}
