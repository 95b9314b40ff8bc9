package dev.grm4j.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The best response by score, with ties broken as the paper does (shuffle, then argmax): uniformly
 * at random among the responses that share the top score.
 *
 * @param index the chosen response's index
 * @param tied  every index that shared the top score, ascending; one element when there was no tie
 */
public record Winner(int index, List<Integer> tied) {

    public Winner {
        tied = List.copyOf(tied);
        if (!tied.contains(index)) {
            throw new IllegalArgumentException("index " + index + " is not among the tied " + tied);
        }
    }

    /**
     * Picks the highest score; among equal highest scores, draws one with {@code random}. The draw
     * consumes randomness only when there is a tie.
     *
     * @throws IllegalArgumentException if {@code scores} is empty
     */
    public static Winner of(List<? extends Number> scores, RandomGenerator random) {
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(random, "random");
        if (scores.isEmpty()) {
            throw new IllegalArgumentException("scores is empty: no winner among no responses");
        }
        double top = Double.NEGATIVE_INFINITY;
        List<Integer> tied = new ArrayList<>();
        for (int i = 0; i < scores.size(); i++) {
            double score = scores.get(i).doubleValue();
            if (score > top) {
                top = score;
                tied.clear();
            }
            if (score == top) {
                tied.add(i);
            }
        }
        int index = tied.size() == 1 ? tied.get(0) : tied.get(random.nextInt(tied.size()));
        return new Winner(index, tied);
    }

    /** Whether several responses shared the top score and {@link #index()} was drawn among them. */
    public boolean tieBroken() {
        return tied.size() > 1;
    }
}
