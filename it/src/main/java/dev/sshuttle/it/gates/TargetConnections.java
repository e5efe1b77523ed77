package dev.sshuttle.it.gates;

import dev.sshuttle.it.topology.Topology;
import java.time.Duration;
import org.junit.jupiter.api.Assertions;

/** The target-side gate: every connection the load made is closed at the target too. */
public final class TargetConnections {
    private static final Duration WITHIN = Duration.ofSeconds(30);

    private TargetConnections() {}

    /** Waits (30 s at most) until the target services hold no connection; fails saying how many remain. */
    public static void assertAllClosed(Topology t, String after) {
        Poll.Outcome<Integer> o = Poll.until(() -> t.services().openConnections(), n -> n == 0, WITHIN);
        if (!o.ok()) {
            Assertions.fail("connection leak towards the target: " + o.last() + " connections still open at the target "
                    + WITHIN.toSeconds() + " s " + after + " (the agent did not close them)");
        }
    }
}
