package dev.grm4j.core;

/**
 * The inclusive range of integer scores the judge may give, 1..10 by default (the paper's).
 *
 * @param min the lowest score
 * @param max the highest score, greater than {@code min}
 */
public record ScoreRange(int min, int max) {

    /** The paper's range, 1..10. */
    public static final ScoreRange DEFAULT = new ScoreRange(1, 10);

    public ScoreRange {
        if (min >= max) {
            throw new IllegalArgumentException("score range needs min < max, was " + min + ".." + max);
        }
    }

    public static ScoreRange of(int min, int max) {
        return new ScoreRange(min, max);
    }

    public boolean contains(int score) {
        return score >= min && score <= max;
    }

    /** The number of distinct scores, {@code max - min + 1}. */
    public int levels() {
        return max - min + 1;
    }

    @Override
    public String toString() {
        return min + ".." + max;
    }
}
