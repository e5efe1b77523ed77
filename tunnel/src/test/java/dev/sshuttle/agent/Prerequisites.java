package dev.sshuttle.agent;

import org.junit.jupiter.api.Assumptions;

/** A missing tool skips the test with a reason, except under CI=true, where it fails. */
final class Prerequisites {
    private Prerequisites() {}

    static void require(boolean present, String reason) {
        if (present) return;
        if ("true".equals(System.getenv("CI"))) throw new AssertionError("prerequisite missing under CI: " + reason);
        Assumptions.abort(reason);
    }
}
