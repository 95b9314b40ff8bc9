package dev.grm4j.core;

import java.util.Objects;

/**
 * One evaluation criterion and its weight. Weights of the principles in a parsed judgement sum to 1;
 * caller-supplied principles may carry any non-negative weights and are normalized when rendered.
 *
 * @param text   the criterion, never blank
 * @param weight a finite, non-negative weight
 */
public record Principle(String text, double weight) {

    public Principle {
        Objects.requireNonNull(text, "text");
        if (text.isBlank()) {
            throw new IllegalArgumentException("principle text is blank");
        }
        if (!Double.isFinite(weight) || weight < 0) {
            throw new IllegalArgumentException("principle weight must be finite and >= 0, was " + weight);
        }
    }

    /** A principle with weight 1, for lists where every principle counts the same. */
    public static Principle of(String text) {
        return new Principle(text, 1.0);
    }

    /** The same criterion with another weight. */
    public Principle withWeight(double weight) {
        return new Principle(text, weight);
    }
}
