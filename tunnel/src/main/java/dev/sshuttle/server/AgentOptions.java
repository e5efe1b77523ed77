package dev.sshuttle.server;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one JSON line of options the client sends the agent (docs/protocol.md). Flat object,
 * values: numbers, booleans, strings, null. Parsed by hand so the agent needs no library.
 */
public record AgentOptions(int protocol, boolean latencyControl, int latencyBufferSize, int verbosity,
                           boolean autoNets, String toNs) {
    private static final Pattern ENTRY = Pattern.compile(
            "\"([a-z_]+)\"\\s*:\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|true|false|null|-?\\d+)");

    public static AgentOptions parse(String line) {
        String text = line.strip();
        if (!text.startsWith("{") || !text.endsWith("}")) {
            throw new IllegalArgumentException("agent options are not a JSON object: " + abbreviate(text));
        }
        Map<String, String> values = new HashMap<>();
        Matcher m = ENTRY.matcher(text);
        while (m.find()) values.put(m.group(1), m.group(3) != null ? m.group(3) : m.group(2));
        return new AgentOptions(
                intOf(values, "protocol", 1),
                boolOf(values, "latency_control", true),
                intOf(values, "latency_buffer_size", 32768),
                intOf(values, "verbosity", 0),
                boolOf(values, "auto_nets", false),
                "null".equals(values.getOrDefault("to_ns", "null")) ? null : values.get("to_ns"));
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
