package dev.sshuttle.client;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** A missing prerequisite skips a test with its reason, except under CI=true, where it fails. */
final class Prerequisites {
    private Prerequisites() {}

    static void require(boolean present, String reason) {
        if ("true".equals(System.getenv("CI"))) {
            Assertions.assertTrue(present, "CI=true and a prerequisite is missing: " + reason);
        } else {
            Assumptions.assumeTrue(present, reason);
        }
    }
}
