package dev.grm4j.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.ToDoubleFunction;

/**
 * How weights become shares: the one rule behind prompts, judgements and presets. Generic over the
 * weighted item, so that this package depends on no other grm4j package.
 */
public final class Weights {

    private Weights() {
    }

    /** Each weight over the total, or equal shares when the total is 0; the shares sum to 1. */
    public static double[] shares(double[] weights) {
        double total = 0;
        for (double weight : weights) {
            total += weight;
        }
        double[] shares = new double[weights.length];
        for (int i = 0; i < weights.length; i++) {
            shares[i] = total > 0 ? weights[i] / total : 1.0 / weights.length;
        }
        return shares;
    }

    /**
     * The same items, in order, re-weighted with their {@link #shares(double[]) shares}.
     *
     * @param weight  reads an item's weight
     * @param reweigh the item with the given share as its weight
     */
    public static <T> List<T> normalized(List<T> items, ToDoubleFunction<? super T> weight,
                                         BiFunction<? super T, Double, ? extends T> reweigh) {
        double[] shares = shares(items.stream().mapToDouble(weight).toArray());
        List<T> normalized = new ArrayList<>(items.size());
        for (int i = 0; i < shares.length; i++) {
            normalized.add(reweigh.apply(items.get(i), shares[i]));
        }
        return List.copyOf(normalized);
    }
}
