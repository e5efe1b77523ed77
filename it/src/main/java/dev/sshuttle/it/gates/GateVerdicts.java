package dev.sshuttle.it.gates;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.function.Executable;
import org.opentest4j.AssertionFailedError;

/**
 * Runs every gate even when an earlier one failed, keeps each verdict ("pass" or the failure
 * message) for the report, and then fails once, listing every failed gate.
 */
public final class GateVerdicts {
    private final Map<String, String> verdicts = new LinkedHashMap<>();

    /** Runs one gate and records its verdict under name. */
    public GateVerdicts check(String name, Executable gate) {
        try {
            gate.execute();
            verdicts.put(name, "pass");
        } catch (AssertionFailedError e) {
            verdicts.put(name, "FAIL: " + e.getMessage());
        } catch (Throwable e) {
            verdicts.put(name, "FAIL: " + e);
        }
        return this;
    }

    /** Gate name to "pass" or "FAIL: why", in the order run. */
    public Map<String, String> asMap() {
        return new LinkedHashMap<>(verdicts);
    }

    /** Fails listing every failed gate, each with its message. */
    public void assertAllPassed(String what) {
        StringBuilder m = new StringBuilder();
        verdicts.forEach((name, v) -> {
            if (!v.equals("pass")) m.append("\n  ").append(name).append(": ").append(v.substring("FAIL: ".length()));
        });
        if (!m.isEmpty()) Assertions.fail(what + ": gates failed:" + m);
    }
}
