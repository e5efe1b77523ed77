package dev.sshuttle.sim.fuzz;

import java.util.List;

/**
 * What one hostile session did to the client: {@code violation} is null when every check held
 * (it ended with a protocol error, or it carried on and then recovered), else "kind: detail".
 */
public record FuzzOutcome(List<HostileStep> steps, String violation, String protocolError, int stepsRun,
                          long peakPendingBytes, long peakControlBytes, long bytesDelivered) {
    public boolean passed() {
        return violation == null;
    }

    /** "crash", "memory", "liveness": what the shrinker keeps constant. */
    public String kind() {
        if (violation == null) return "";
        int colon = violation.indexOf(':');
        return colon < 0 ? violation : violation.substring(0, colon);
    }
}
