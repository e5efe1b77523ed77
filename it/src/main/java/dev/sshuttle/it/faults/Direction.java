package dev.sshuttle.it.faults;

import java.util.Locale;

/** Toxiproxy's stream names: upstream = client to server, downstream = server to client. */
enum Direction {
    UPSTREAM, DOWNSTREAM;

    String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Direction parse(String s) {
        for (Direction d : values()) {
            if (d.json().equals(s)) return d;
        }
        throw new ApiError(400, "stream must be upstream or downstream, not '" + s + "'");
    }
}
