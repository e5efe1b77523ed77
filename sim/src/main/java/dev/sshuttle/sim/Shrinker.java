package dev.sshuttle.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Delta debugging (Zeller's ddmin): finds a small sublist of items that still fails. Each
 * round splits the list into n parts and tries every part and every complement; bounded by a
 * number of tests, so shrinking always ends.
 */
public final class Shrinker {
    private Shrinker() {}

    public static <T> List<T> ddmin(List<T> items, Predicate<List<T>> fails, int maxTests) {
        List<T> current = List.copyOf(items);
        int n = 2;
        int tests = 0;
        while (current.size() >= 2 && tests < maxTests) {
            List<List<T>> parts = split(current, n);
            boolean reduced = false;
            for (List<T> part : parts) {
                if (tests++ >= maxTests) break;
                if (fails.test(part)) {
                    current = part;
                    n = 2;
                    reduced = true;
                    break;
                }
            }
            if (!reduced && n > 2) {
                for (int i = 0; i < parts.size() && tests < maxTests; i++) {
                    List<T> complement = complement(parts, i);
                    tests++;
                    if (fails.test(complement)) {
                        current = complement;
                        n = Math.max(n - 1, 2);
                        reduced = true;
                        break;
                    }
                }
            }
            if (!reduced) {
                if (n >= current.size()) break;
                n = Math.min(current.size(), n * 2);
            }
        }
        if (current.size() == 1 && tests < maxTests && fails.test(List.of())) return List.of();
        return current;
    }

    private static <T> List<List<T>> split(List<T> items, int n) {
        List<List<T>> parts = new ArrayList<>();
        int size = items.size();
        for (int i = 0; i < n; i++) {
            List<T> part = items.subList(i * size / n, (i + 1) * size / n);
            if (!part.isEmpty()) parts.add(List.copyOf(part));
        }
        return parts;
    }

    private static <T> List<T> complement(List<List<T>> parts, int skip) {
        List<T> out = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) if (i != skip) out.addAll(parts.get(i));
        return out;
    }
}
