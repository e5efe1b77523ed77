package dev.sshuttle.agent;

import dev.sshuttle.io.EventLoop;
import dev.sshuttle.mux.Mux;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The agent's hostwatch (sshuttle's, for -H and --seed-hosts): names this host can resolve,
 * sent as HOST_LIST {@code name,ip} lines, IPv4 and IPv6. The seeds are looked up; with -H the
 * hosts files ({@code /etc/hosts}, {@code ~/.sshuttle.hosts}) are read too. Each name goes
 * with its full and its short form. Every 30 s it looks again and sends what is new or changed.
 * Lookups block, so they run on a virtual thread; HOST_LIST goes out on the loop.
 */
final class HostWatch {
    static final long INTERVAL_MILLIS = 30_000;
    /** Bound on names kept and sent per session. */
    static final int MAX_NAMES = 4096;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}");

    private final EventLoop loop;
    private final boolean readHostsFiles;
    private final Consumer<String> debug;
    private final Map<String, String> sent = new LinkedHashMap<>();
    private Thread thread;

    HostWatch(EventLoop loop, boolean readHostsFiles, Consumer<String> debug) {
        this.loop = loop;
        this.readHostsFiles = readHostsFiles;
        this.debug = debug;
    }

    /** On the first HOST_REQ only; later ones are ignored, as in sshuttle. */
    void start(Mux mux, String seeds) {
        if (thread != null) return;
        List<String> names = List.of(seeds.strip().isEmpty() ? new String[0] : seeds.strip().split("\\s+"));
        thread = Thread.ofVirtual().name("hostwatch").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                Map<String, String> found = new LinkedHashMap<>();
                for (String seed : names) resolve(seed, found);
                if (readHostsFiles) {
                    readHostsFile(Path.of("/etc/hosts"), found);
                    // $HOME as the shell (and the Python agent) sees it; the JDK's user.home is the passwd entry
                    String home = System.getenv().getOrDefault("HOME", System.getProperty("user.home"));
                    readHostsFile(Path.of(home, ".sshuttle.hosts"), found);
                }
                String list = changes(found);
                if (!list.isEmpty()) loop.execute(() -> mux.sendHostList(list));
                try {
                    Thread.sleep(INTERVAL_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    void stop() {
        if (thread != null) thread.interrupt();
    }

    private void resolve(String name, Map<String, String> found) {
        if (!NAME.matcher(name).matches()) {
            debug.accept("hostwatch: seed '" + name + "' is not a host name; skipped");
            return;
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(name)) add(name, a, found);
        } catch (UnknownHostException e) {
            debug.accept("hostwatch: " + name + " does not resolve here");
        }
    }

    private void readHostsFile(Path file, Map<String, String> found) {
        List<String> lines;
        try {
            if (!Files.isReadable(file)) return;
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return;
        }
        for (String line : lines) {
            int hash = line.indexOf('#');
            String[] f = (hash >= 0 ? line.substring(0, hash) : line).strip().split("\\s+");
            if (f.length < 2) continue;
            InetAddress a;
            try {
                a = InetAddress.ofLiteral(f[0]);
            } catch (IllegalArgumentException e) {
                continue;
            }
            for (int i = 1; i < f.length; i++) add(f[i], a, found);
        }
    }

    /** Keeps names a remote address could have: no loopback, wildcard, multicast or link-local; full and short name. */
    private static void add(String name, InetAddress a, Map<String, String> found) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isMulticastAddress() || a.isLinkLocalAddress()) return;
        if (!NAME.matcher(name).matches() || name.equalsIgnoreCase("localhost")) return;
        String ip = dev.sshuttle.net.IpText.of(a); // the short IPv6 form, as the Python agent sends
        found.putIfAbsent(name, ip);
        int dot = name.indexOf('.');
        if (dot > 0) found.putIfAbsent(name.substring(0, dot), ip);
    }

    /** The lines for names new or changed since the last list. */
    private String changes(Map<String, String> found) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : found.entrySet()) {
            if (e.getValue().equals(sent.get(e.getKey()))) continue;
            if (!sent.containsKey(e.getKey()) && sent.size() >= MAX_NAMES) continue;
            sent.put(e.getKey(), e.getValue());
            b.append(e.getKey()).append(',').append(e.getValue()).append('\n');
        }
        return b.toString();
    }
}
