package dev.grm4j.core.internal;

import java.util.List;
import java.util.Objects;

/** The presentation-order check every module makes before it trusts an order. */
public final class Permutations {

    private Permutations() {
    }

    /** Whether {@code order} holds each of {@code 0..size-1} exactly once (and no null). */
    public static boolean isPermutation(List<Integer> order, int size) {
        if (order.size() != size) {
            return false;
        }
        boolean[] seen = new boolean[size];
        for (Integer index : order) {
            if (index == null || index < 0 || index >= size || seen[index]) {
                return false;
            }
            seen[index] = true;
        }
        return true;
    }

    /**
     * @throws NullPointerException     if {@code order} is null
     * @throws IllegalArgumentException naming the order unless it is a permutation of {@code 0..size-1}
     */
    public static void requirePermutation(List<Integer> order, int size) {
        Objects.requireNonNull(order, "order");
        if (!isPermutation(order, size)) {
            throw new IllegalArgumentException("order must be a permutation of 0.." + (size - 1) + ", was " + order);
        }
    }
}
