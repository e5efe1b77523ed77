package dev.sshuttle.testkit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** A missing prerequisite skips with its reason on a laptop and fails under CI=true. */
class PrerequisitesTest {
    private static final List<String> MISSING = List.of("must run as root", "tool 'sshd' is not installed");

    @Test
    void missingPrerequisiteSkipsWithTheReasonOutsideCi() {
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> Prerequisites.require(MISSING, false));
        assertEquals("prerequisite missing: must run as root; tool 'sshd' is not installed", e.getMessage());
    }

    @Test
    void missingPrerequisiteFailsOnCi() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> Prerequisites.require(MISSING, true));
        assertEquals("prerequisite missing: must run as root; tool 'sshd' is not installed"
                + " (CI=true: a missing prerequisite fails instead of skipping)", e.getMessage());
    }

    @Test
    void nothingMissingPasses() {
        assertDoesNotThrow(() -> Prerequisites.require(List.of(), true));
    }
}
