package dev.sshuttle.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ShrinkerTest {
    private static final List<Integer> HUNDRED = IntStream.rangeClosed(1, 100).boxed().toList();

    @Test
    void findsTheTwoItemsThatTogetherFail() {
        List<Integer> small = Shrinker.ddmin(HUNDRED, l -> l.contains(17) && l.contains(83), 1000);
        assertEquals(List.of(17, 83), small);
    }

    @Test
    void findsTheEmptyListWhenNothingIsNeededToFail() {
        assertEquals(List.of(), Shrinker.ddmin(HUNDRED, l -> true, 1000));
    }

    @Test
    void stopsAfterItsBudgetOfTests() {
        int[] tests = {0};
        List<Integer> small = Shrinker.ddmin(HUNDRED, l -> ++tests[0] > 0 && l.contains(50), 5);
        assertEquals(5, tests[0]);
        assertEquals(true, small.contains(50));
    }
}
