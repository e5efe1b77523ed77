package dev.sshuttle.client;

import dev.sshuttle.firewall.HostEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * A HOST_LIST from the server (-H, --seed-hosts): {@code name,ip} lines. Every line is checked
 * ({@link HostEntry}); one that fails is refused whole, so only a valid name with a valid IP
 * literal ever reaches the helper, whatever the server put around it.
 */
record HostList(List<HostEntry> accepted, List<String> refused) {
    /** Entries one list may carry; more are refused (a server flooding us). */
    static final int MAX_ENTRIES = 4096;

    static HostList parse(String text) {
        List<HostEntry> accepted = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) continue;
            if (accepted.size() >= MAX_ENTRIES) {
                refused.add("more than " + MAX_ENTRIES + " entries in one list");
                break;
            }
            try {
                accepted.add(HostEntry.parse(line));
            } catch (IllegalArgumentException e) {
                refused.add(e.getMessage());
            }
        }
        return new HostList(accepted, refused);
    }
}
