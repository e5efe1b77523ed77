package dev.sshuttle.mux;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the client tells the agent in its one-line JSON options (docs/protocol.md, "Agent
 * bootstrap"). Both agents, Python and Java, read the same line.
 *
 * @param protocol           1 (classic) or 2 (extended); the agent answers the matching sync header
 * @param latencyControl     0001 only: PING "rttest" throttling
 * @param latencyBufferSize  0001 only: bytes sent before waiting for a PONG
 * @param verbosity          the client's -v count; the agent logs to stderr at >= 1
 * @param autoNets           send this host's IPv4 routes in ROUTES (-N)
 * @param toNs               "ip@port" DNS server the agent asks instead of its resolv.conf, or null
 * @param stripe             where to listen for the client's extra ssh channels (docs/protocol.md,
 *                           "Striping"), or null: one channel, and the line as before striping
 * @param autoHosts          -H: the hostwatch reads this host's hosts files too, not just the seeds
 */
public record AgentOptions(
        int protocol, boolean latencyControl, int latencyBufferSize, int verbosity, boolean autoNets, String toNs,
        Stripe stripe, boolean autoHosts) {

    /** Striping asked: the unix socket path to listen on, the session's token (hex), at most this many extra lanes. */
    public record Stripe(String socket, String token, int lanes) {}

    public AgentOptions(int protocol, boolean latencyControl, int latencyBufferSize, int verbosity, boolean autoNets,
                        String toNs) {
        this(protocol, latencyControl, latencyBufferSize, verbosity, autoNets, toNs, null, false);
    }

    public AgentOptions {
        if (protocol != 1 && protocol != 2) throw new IllegalArgumentException("protocol must be 1 or 2, not " + protocol);
        if (latencyBufferSize < 1) throw new IllegalArgumentException("latency buffer size must be positive");
        if (verbosity < 0) throw new IllegalArgumentException("verbosity must not be negative");
    }

    /** sshuttle's defaults with the given protocol. */
    public static AgentOptions defaults(int protocol) {
        return new AgentOptions(protocol, true, 32768, 0, false, null);
    }

    public AgentOptions withVerbosity(int v) {
        return new AgentOptions(protocol, latencyControl, latencyBufferSize, v, autoNets, toNs, stripe, autoHosts);
    }

    public AgentOptions withLatencyControl(boolean on, int bufferSize) {
        return new AgentOptions(protocol, on, bufferSize, verbosity, autoNets, toNs, stripe, autoHosts);
    }

    public AgentOptions withAutoNets(boolean on) {
        return new AgentOptions(protocol, latencyControl, latencyBufferSize, verbosity, on, toNs, stripe, autoHosts);
    }

    public AgentOptions withToNs(String ipAtPort) {
        return new AgentOptions(protocol, latencyControl, latencyBufferSize, verbosity, autoNets, ipAtPort, stripe, autoHosts);
    }

    public AgentOptions withStripe(Stripe s) {
        return new AgentOptions(protocol, latencyControl, latencyBufferSize, verbosity, autoNets, toNs, s, autoHosts);
    }

    public AgentOptions withAutoHosts(boolean on) {
        return new AgentOptions(protocol, latencyControl, latencyBufferSize, verbosity, autoNets, toNs, stripe, on);
    }

    /** The options line, newline included, exactly as the agents read it. */
    public String toJsonLine() {
        return "{\"protocol\": " + protocol
                + ", \"latency_control\": " + latencyControl
                + ", \"latency_buffer_size\": " + latencyBufferSize
                + ", \"verbosity\": " + verbosity
                + ", \"auto_nets\": " + autoNets
                + ", \"to_ns\": " + (toNs == null ? "null" : jsonString(toNs))
                + (stripe == null ? "" : ", \"stripe_socket\": " + jsonString(stripe.socket())
                        + ", \"stripe_token\": " + jsonString(stripe.token()) + ", \"stripe_lanes\": " + stripe.lanes())
                + ", \"auto_hosts\": " + autoHosts
                + "}\n";
    }

    private static String jsonString(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    private static final Pattern ENTRY = Pattern.compile(
            "\"([a-z_]+)\"\\s*:\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|true|false|null|-?\\d+)");

    /** Reads the options line (the agents' side); unknown keys are ignored so old agents tolerate new clients. */
    public static AgentOptions parse(String line) {
        String text = line.strip();
        if (!text.startsWith("{") || !text.endsWith("}")) {
            throw new IllegalArgumentException("agent options are not a JSON object: " + abbreviate(text));
        }
        Map<String, String> values = new HashMap<>();
        Matcher m = ENTRY.matcher(text);
        while (m.find()) values.put(m.group(1), m.group(3) != null ? m.group(3) : m.group(2));
        return new AgentOptions(
                intOf(values, "protocol", 1) >= 2 ? 2 : 1,
                boolOf(values, "latency_control", true),
                intOf(values, "latency_buffer_size", 32768),
                intOf(values, "verbosity", 0),
                boolOf(values, "auto_nets", false),
                "null".equals(values.getOrDefault("to_ns", "null")) ? null : values.get("to_ns"),
                values.containsKey("stripe_socket") && values.containsKey("stripe_token")
                        ? new Stripe(values.get("stripe_socket"), values.get("stripe_token"), intOf(values, "stripe_lanes", 0)) : null,
                boolOf(values, "auto_hosts", false));
    }

    private static int intOf(Map<String, String> v, String key, int dflt) {
        String s = v.get(key);
        if (s == null || "null".equals(s)) return dflt;
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("agent option " + key + " is not a number: " + s);
        }
    }

    private static boolean boolOf(Map<String, String> v, String key, boolean dflt) {
        String s = v.get(key);
        return s == null || "null".equals(s) ? dflt : Boolean.parseBoolean(s);
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
