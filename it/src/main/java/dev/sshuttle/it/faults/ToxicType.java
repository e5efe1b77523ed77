package dev.sshuttle.it.faults;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The toxic types this proxy implements, with Toxiproxy's attribute names (all default to 0). */
enum ToxicType {
    /** latency ms (+- jitter ms) added to each chunk. */
    LATENCY("latency", "jitter"),
    /** rate in KB/s (1 KB = 1000 bytes); 0 holds all data. */
    BANDWIDTH("rate"),
    /** slices chunks into average_size +- size_variation bytes, delay microseconds apart. */
    SLICER("average_size", "size_variation", "delay"),
    /** delays the propagation of a close by delay ms. */
    SLOW_CLOSE("delay"),
    /** holds all data and closes the connection after timeout ms (0: holds until removed). */
    TIMEOUT("timeout"),
    /** on the first data, waits timeout ms and resets (RST) the connection. */
    RESET_PEER("timeout"),
    /** closes the connection once `bytes` bytes went through in this direction. */
    LIMIT_DATA("bytes"),
    /** does nothing: Toxiproxy has it too. */
    NOOP();

    private final String[] attributes;

    ToxicType(String... attributes) {
        this.attributes = attributes;
    }

    String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Every attribute of this type at its default, 0. */
    Map<String, Long> defaults() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String a : attributes) m.put(a, 0L);
        return m;
    }

    static ToxicType parse(String s) {
        for (ToxicType t : values()) {
            if (t.json().equals(s)) return t;
        }
        throw new ApiError(400, "unknown toxic type '" + s + "'");
    }
}
