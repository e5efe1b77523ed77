package dev.sshuttle.sim;

import java.util.HashSet;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Runs generated scenarios and, on failure, shrinks the stream list to a small scenario that
 * still fails the same way, with the command line that replays it.
 */
public final class SimRunner {
    private static final int SHRINK_TESTS_MAX = 200;

    private SimRunner() {}

    public static Outcome run(Scenario scenario) {
        return new Session(scenario).run();
    }

    /** A failing outcome reduced by delta debugging; same failure kind, fewer streams. */
    public static Outcome shrink(Outcome failed) {
        Scenario full = failed.scenario();
        String kind = failed.failureKind();
        List<StreamSpec> kept = Shrinker.ddmin(full.streams(), subset -> {
            Outcome o = run(keep(full, subset));
            return !o.passed() && o.failureKind().equals(kind);
        }, SHRINK_TESTS_MAX);
        return run(keep(full, kept));
    }

    private static Scenario keep(Scenario full, List<StreamSpec> subset) {
        return full.keep(subset.stream().map(StreamSpec::id).collect(Collectors.toCollection(HashSet::new)));
    }

    /** The system properties that replay this (possibly shrunk) scenario. */
    public static String replayArguments(Scenario scenario, boolean corrupt) {
        String ids = scenario.streams().stream().map(s -> String.valueOf(s.id())).collect(Collectors.joining(","));
        return "-Dsim.seed=" + scenario.seed() + " -Dsim.replay=true" + (corrupt ? " -Dsim.corrupt=true" : "")
                + " -Dsim.streams=" + (ids.isEmpty() ? "none" : ids);
    }
}
