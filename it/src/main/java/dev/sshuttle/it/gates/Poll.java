package dev.sshuttle.it.gates;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;

/** Measures every 100 ms until the measurement is acceptable or time runs out (Awaitility underneath). */
final class Poll {
    /** The last measurement and whether it was acceptable. */
    record Outcome<T>(T last, boolean ok) {}

    private Poll() {}

    /** Measures until ok(measurement) or `within` passed; a measurement that throws counts as not ok. */
    static <T> Outcome<T> until(Supplier<T> measure, Predicate<T> ok, Duration within) {
        AtomicReference<T> last = new AtomicReference<>();
        try {
            await().atMost(within).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
                last.set(measure.get());
                return ok.test(last.get());
            });
            return new Outcome<>(last.get(), true);
        } catch (ConditionTimeoutException e) {
            return new Outcome<>(last.get(), false);
        }
    }
}
