package dev.sshuttle.transport;

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
 */
public record AgentOptions(
        int protocol, boolean latencyControl, int latencyBufferSize, int verbosity, boolean autoNets, String toNs) {

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
        return new AgentOptions(protocol, latencyControl, latencyBufferSize, v, autoNets, toNs);
    }

    public AgentOptions withLatencyControl(boolean on, int bufferSize) {
        return new AgentOptions(protocol, on, bufferSize, verbosity, autoNets, toNs);
    }

    public AgentOptions withAutoNets(boolean on) {
        return new AgentOptions(protocol, latencyControl, latencyBufferSize, verbosity, on, toNs);
    }

    public AgentOptions withToNs(String ipAtPort) {
        return new AgentOptions(protocol, latencyControl, latencyBufferSize, verbosity, autoNets, ipAtPort);
    }

    /** The options line, newline included, exactly as the agents read it. */
    public String toJsonLine() {
        return "{\"protocol\": " + protocol
                + ", \"latency_control\": " + latencyControl
                + ", \"latency_buffer_size\": " + latencyBufferSize
                + ", \"verbosity\": " + verbosity
                + ", \"auto_nets\": " + autoNets
                + ", \"to_ns\": " + (toNs == null ? "null" : jsonString(toNs))
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
}
