package dev.sshuttle.sim;

/** Counts what the generated streams actually did, so a run shows that its faults really fired. */
public final class Coverage {
    private long streams;
    private long complete;
    private long resets;
    private long stops;
    private long refusals;
    private long stalls;
    private long bytes;
    private long turnedAway;
    private long reused;
    private long dnsAnswered;
    private long dnsAbandoned;
    private long latencyRoundTrips;
    private double worstLatencyShare;

    public void add(Outcome outcome) {
        reused += outcome.reusedChannels();
        latencyRoundTrips += outcome.latencyRoundTrips();
        worstLatencyShare = Math.max(worstLatencyShare, outcome.worstLatencyShare());
        for (StreamRun s : outcome.streams().values()) {
            streams++;
            if (s.spec.stalls()) stalls++;
            ChannelEnd c = s.client;
            ChannelEnd v = s.server;
            if (s.noChannel) turnedAway++;
            if (s.dns != null && !s.noChannel) {
                if (s.dns.answered) dnsAnswered++;
                else dnsAbandoned++;
            }
            if (c == null) continue;
            bytes += c.appRead + (v == null ? 0 : v.appRead);
            if (c.refused || s.spec.fault() == StreamSpec.Fault.REFUSED && c.appEof) refusals++;
            else if (c.resetByMe || v != null && v.resetByMe) resets++;
            else if (c.readClosed || v != null && v.readClosed) stops++;
            else if (c.appEof && v != null && v.appEof) complete++;
        }
    }

    @Override
    public String toString() {
        return streams + " streams (" + complete + " complete, " + resets + " reset, " + stops + " stopped reading, "
                + refusals + " refused, " + stalls + " with a stalled reader, " + turnedAway + " turned away: no free channel, " + reused + " on a reused channel number, "
                + dnsAnswered + " DNS answered, " + dnsAbandoned + " DNS timed out), " + bytes / 1_000_000 + " MB delivered; "
                + latencyRoundTrips + " interactive round trips checked against their bound (see LatencyBound), the slowest at "
                + Math.round(100 * worstLatencyShare) + "% of it";
    }
}
