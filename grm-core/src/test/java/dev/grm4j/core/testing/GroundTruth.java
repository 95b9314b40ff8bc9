package dev.grm4j.core.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Which response of a set is truly the best, as the {@link SimulatedJudge} needs to know it to be right
 * (or wrong) on purpose.
 *
 * <p>A set is identified by the multiset of its response texts, so a set registered in one order is
 * found in any order the judge is shown it: voting shuffles the responses before every sample.
 *
 * <p>Thread-safe: registrations may race with lookups from many judge calls.
 */
public final class GroundTruth {

    /** Sorted response texts of a set, mapped to the text of its best response. */
    private final ConcurrentMap<List<String>, String> bestBySet = new ConcurrentHashMap<>();

    private GroundTruth() {
    }

    /** An empty ground truth: every lookup finds nothing until sets are registered. */
    public static GroundTruth create() {
        return new GroundTruth();
    }

    /**
     * Records which response of a set is the best. Registering the same set again (in any order)
     * replaces the earlier answer.
     *
     * @param responses the set's response texts, at least one, in any order
     * @param bestIndex the 0-based index of the best response in {@code responses}
     * @return this ground truth, for chaining
     * @throws NullPointerException     if {@code responses} or any of its elements is null
     * @throws IllegalArgumentException if {@code responses} is empty, {@code bestIndex} is out of range,
     *                                  or the best response's text occurs more than once in the set
     *                                  (identical texts cannot be told apart)
     */
    public GroundTruth register(List<String> responses, int bestIndex) {
        List<String> copy = List.copyOf(Objects.requireNonNull(responses, "responses"));
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("responses is empty: a set needs at least one response");
        }
        if (bestIndex < 0 || bestIndex >= copy.size()) {
            throw new IllegalArgumentException(
                    "bestIndex must be in 0.." + (copy.size() - 1) + ", was " + bestIndex);
        }
        String best = copy.get(bestIndex);
        if (copy.indexOf(best) != copy.lastIndexOf(best)) {
            throw new IllegalArgumentException("best response at index " + bestIndex
                    + " occurs more than once in the set: identical responses cannot be told apart");
        }
        bestBySet.put(key(copy), best);
        return this;
    }

    /**
     * Finds where the best response of a registered set sits in the order it was presented.
     *
     * @param presented the response texts in the order the judge saw them
     * @return the 0-based index into {@code presented} of the best response, or empty when this exact
     *         multiset of texts was never registered
     * @throws NullPointerException if {@code presented} or any of its elements is null
     */
    public OptionalInt findBestIndex(List<String> presented) {
        List<String> copy = List.copyOf(Objects.requireNonNull(presented, "presented"));
        if (copy.isEmpty()) {
            return OptionalInt.empty();
        }
        String best = bestBySet.get(key(copy));
        return best == null ? OptionalInt.empty() : OptionalInt.of(copy.indexOf(best));
    }

    /** The number of distinct sets registered. */
    public int size() {
        return bestBySet.size();
    }

    private static List<String> key(List<String> responses) {
        List<String> sorted = new ArrayList<>(responses);
        sorted.sort(null);
        return List.copyOf(sorted);
    }

    @Override
    public String toString() {
        return "GroundTruth[" + bestBySet.size() + " sets]";
    }
}
