package dev.sshuttle.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code sshuttle status} shows: one snapshot of a running client, rendered as text for
 * people, JSON for scripts, or Prometheus text for --metrics.
 *
 * @param rttNanos    the mux's smoothed round trip (PING/PONG and, under 0002, ack probes); 0 before a sample
 * @param reconnects  sessions started after the first one
 */
public record TunnelStatus(long pid, String remote, Duration uptime, boolean connected, int reconnects, long rttNanos,
                           long bytesOut, long bytesIn, int udpFlows, List<Connection> connections) {

    /** One tunnelled TCP connection: where it goes, bytes each way (out = from the application), its age. */
    public record Connection(int channel, String destination, long bytesOut, long bytesIn, Duration age) {}

    public String json() {
        StringBuilder b = new StringBuilder("{");
        b.append("\"pid\": ").append(pid)
                .append(", \"remote\": ").append(string(remote))
                .append(", \"uptime_seconds\": ").append(uptime.toSeconds())
                .append(", \"connected\": ").append(connected)
                .append(", \"reconnects\": ").append(reconnects)
                .append(", \"rtt_ms\": ").append(String.format(Locale.ROOT, "%.3f", rttNanos / 1e6))
                .append(", \"bytes_out\": ").append(bytesOut)
                .append(", \"bytes_in\": ").append(bytesIn)
                .append(", \"udp_flows\": ").append(udpFlows)
                .append(", \"connections\": [");
        for (int i = 0; i < connections.size(); i++) {
            Connection c = connections.get(i);
            if (i > 0) b.append(", ");
            b.append("{\"channel\": ").append(c.channel())
                    .append(", \"destination\": ").append(string(c.destination()))
                    .append(", \"bytes_out\": ").append(c.bytesOut())
                    .append(", \"bytes_in\": ").append(c.bytesIn())
                    .append(", \"age_seconds\": ").append(c.age().toSeconds()).append('}');
        }
        return b.append("]}\n").toString();
    }

    public String text() {
        StringBuilder b = new StringBuilder();
        b.append("sshuttle (Java) pid ").append(pid).append(": ")
                .append(connected ? "connected to " : "not connected to ").append(remote)
                .append(", up ").append(duration(uptime)).append(", ")
                .append(reconnects).append(reconnects == 1 ? " reconnect\n" : " reconnects\n");
        b.append("mux round trip ").append(rttNanos == 0 ? "not measured yet" : String.format(Locale.ROOT, "%.1f ms", rttNanos / 1e6))
                .append("; sent ").append(bytes(bytesOut)).append(", received ").append(bytes(bytesIn));
        if (udpFlows > 0) b.append("; ").append(udpFlows).append(" UDP flows");
        b.append('\n');
        Map<String, long[]> byDestination = byDestination();
        b.append(connections.size()).append(connections.size() == 1 ? " connection open" : " connections open")
                .append(byDestination.isEmpty() ? "\n" : ", by destination:\n");
        for (Map.Entry<String, long[]> e : byDestination.entrySet()) {
            long[] v = e.getValue();
            b.append(String.format(Locale.ROOT, "  %-40s %4d  out %10s  in %10s%n", e.getKey(), v[0], bytes(v[1]), bytes(v[2])));
        }
        return b.toString();
    }

    /** Prometheus text exposition format (version 0.0.4). */
    public String metrics() {
        StringBuilder b = new StringBuilder();
        gauge(b, "sshuttle_up", "1 while the tunnel is connected", connected ? 1 : 0);
        gauge(b, "sshuttle_uptime_seconds", "seconds since the client started", uptime.toSeconds());
        counter(b, "sshuttle_reconnects_total", "sessions started after the first", reconnects);
        gauge(b, "sshuttle_rtt_seconds", "the mux's smoothed round trip", rttNanos / 1e9);
        counter(b, "sshuttle_transport_bytes_total{direction=\"out\"}", "bytes the mux sent and received over ssh", bytesOut);
        b.append("sshuttle_transport_bytes_total{direction=\"in\"} ").append(bytesIn).append('\n');
        gauge(b, "sshuttle_udp_flows", "tproxy UDP flows open", udpFlows);
        gauge(b, "sshuttle_connections_open", "tunnelled TCP connections open", connections.size());
        Map<String, long[]> byDestination = byDestination();
        if (!byDestination.isEmpty()) {
            b.append("# HELP sshuttle_destination_connections open connections per destination\n")
                    .append("# TYPE sshuttle_destination_connections gauge\n");
            for (Map.Entry<String, long[]> e : byDestination.entrySet()) {
                b.append("sshuttle_destination_connections{destination=").append(string(e.getKey())).append("} ")
                        .append(e.getValue()[0]).append('\n');
            }
            b.append("# HELP sshuttle_destination_bytes bytes of the open connections per destination\n")
                    .append("# TYPE sshuttle_destination_bytes gauge\n");
            for (Map.Entry<String, long[]> e : byDestination.entrySet()) {
                b.append("sshuttle_destination_bytes{destination=").append(string(e.getKey())).append(",direction=\"out\"} ")
                        .append(e.getValue()[1]).append('\n');
                b.append("sshuttle_destination_bytes{destination=").append(string(e.getKey())).append(",direction=\"in\"} ")
                        .append(e.getValue()[2]).append('\n');
            }
        }
        return b.toString();
    }

    /** destination -> {connections, bytes out, bytes in} */
    private Map<String, long[]> byDestination() {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (Connection c : connections) {
            long[] v = m.computeIfAbsent(c.destination(), k -> new long[3]);
            v[0]++;
            v[1] += c.bytesOut();
            v[2] += c.bytesIn();
        }
        return m;
    }

    private static void gauge(StringBuilder b, String name, String help, double value) {
        metric(b, name, help, "gauge", value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.6f", value));
    }

    private static void counter(StringBuilder b, String name, String help, long value) {
        metric(b, name, help, "counter", Long.toString(value));
    }

    private static void metric(StringBuilder b, String name, String help, String type, String value) {
        String bare = name.contains("{") ? name.substring(0, name.indexOf('{')) : name;
        b.append("# HELP ").append(bare).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(bare).append(' ').append(type).append('\n');
        b.append(name).append(' ').append(value).append('\n');
    }

    static String string(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    private static String bytes(long n) {
        if (n < 1000) return n + " B";
        if (n < 1_000_000) return String.format(Locale.ROOT, "%.1f kB", n / 1e3);
        if (n < 1_000_000_000) return String.format(Locale.ROOT, "%.1f MB", n / 1e6);
        return String.format(Locale.ROOT, "%.2f GB", n / 1e9);
    }

    private static String duration(Duration d) {
        long s = d.toSeconds();
        if (s < 60) return s + "s";
        if (s < 3600) return (s / 60) + "m" + (s % 60) + "s";
        return (s / 3600) + "h" + (s % 3600 / 60) + "m";
    }
}
