package dev.grm4j.core;

import java.util.List;
import java.util.Objects;

/**
 * The plain reward of one greedy sample: a score per response and the best response.
 *
 * @param scores    one score per response, in the request's order
 * @param best      index of the highest-scored response; among tied responses, a seeded random draw
 * @param tieBroken whether several responses shared the highest score and {@code best} was drawn
 * @param judgement the sampled trajectory behind the scores
 */
public record Reward(List<Integer> scores, int best, boolean tieBroken, Judgement judgement) {

    public Reward {
        scores = List.copyOf(scores);
        Objects.requireNonNull(judgement, "judgement");
        if (best < 0 || best >= scores.size()) {
            throw new IllegalArgumentException("best must be in 0.." + (scores.size() - 1) + ", was " + best);
        }
    }
}
