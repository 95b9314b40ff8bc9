package dev.grm4j.principles;

import dev.grm4j.core.Judgement;
import dev.grm4j.core.ScoreRange;
import dev.grm4j.core.parse.GrmOutputParser;
import dev.grm4j.core.parse.ParseResult;

import java.util.List;
import java.util.Objects;

/**
 * The rule reward of SPCT's online RL (the paper's Eq. 11) and the correctness test behind it and behind
 * rejective fine-tuning (Eq. 10). Pure functions; thread-safe.
 *
 * <p>A set of scores is <em>correct</em> when, for two or more responses, the ground-truth best one
 * scores strictly higher than every other (a tie at the top is wrong), and, for a single response, its
 * score equals the label. The reward is {@value #CORRECT} for a correct rollout and {@value #WRONG}
 * otherwise, a rollout that does not parse included. There is no format reward.
 *
 * <p>The <em>label</em> is what the data set knows: for two or more responses, the 0-based index of the
 * best one; for a single response, its true score.
 *
 * <pre>{@code
 * // A GRPO reward function over rollouts that judged responses in their dataset order.
 * int reward = SpctReward.of(rolloutText, 2, 0);   // +1 if response 1 scored strictly highest
 * }</pre>
 */
public final class SpctReward {

    /** The reward of a correct rollout. */
    public static final int CORRECT = 1;

    /** The reward of a wrong or unreadable rollout. */
    public static final int WRONG = -1;

    private SpctReward() {
    }

    /**
     * Whether {@code scores} are correct for {@code label} (Eq. 10).
     *
     * @param scores one score per response, in the order {@code label} indexes
     * @param label  for two or more responses, the best one's index; for one, its true score
     * @throws IllegalArgumentException if {@code scores} is empty, or {@code label} is not an index of
     *                                  {@code scores} when there are two or more
     */
    public static boolean isCorrect(List<Integer> scores, int label) {
        Objects.requireNonNull(scores, "scores");
        if (scores.isEmpty()) {
            throw new IllegalArgumentException("scores is empty: at least 1 score is required");
        }
        if (scores.size() == 1) {
            return scores.get(0) == label;
        }
        requireIndex(label, scores.size());
        int best = scores.get(label);
        for (int i = 0; i < scores.size(); i++) {
            if (i != label && scores.get(i) >= best) {
                return false;
            }
        }
        return true;
    }

    /**
     * The reward of one rollout, read with the paper's 1..10 range; the rollout must state principles,
     * as a GRM that generates its own does.
     *
     * @param rolloutText the judge's output, exactly as generated
     * @param responses   how many responses the rollout judged, >= 1
     * @param label       for two or more responses, the 0-based position <em>in the order the rollout saw
     *                    them</em> of the best one; for one response, its true score
     * @return {@value #CORRECT} or {@value #WRONG}
     * @throws IllegalArgumentException if {@code responses < 1}, or {@code label} is not a position
     *                                  when {@code responses >= 2}
     */
    public static int of(String rolloutText, int responses, int label) {
        return of(rolloutText, responses, label, ScoreRange.DEFAULT, true);
    }

    /**
     * {@link #of(String, int, int)} with another score range, and principles optional when the rollout
     * was given them.
     *
     * @param requirePrinciples whether a rollout without a "Specific Criteria" section is unreadable
     */
    public static int of(String rolloutText, int responses, int label, ScoreRange range, boolean requirePrinciples) {
        Objects.requireNonNull(range, "range");
        if (responses < 1) {
            throw new IllegalArgumentException("responses must be >= 1, was " + responses);
        }
        if (responses >= 2) {
            requireIndex(label, responses);
        }
        ParseResult result = GrmOutputParser.of(range).parse(rolloutText, responses, requirePrinciples);
        if (result instanceof ParseResult.Parsed parsed) {
            return isCorrect(parsed.scores(), label) ? CORRECT : WRONG;
        }
        return WRONG;
    }

    /**
     * The reward of a sampled judgement: {@value #WRONG} unless it is scored and correct.
     *
     * @param label for two or more responses, the best one's index <em>in the request's order</em> (as
     *              {@link Judgement#scores()} reports them); for one response, its true score
     * @throws IllegalArgumentException if the judgement is scored and {@code label} is not an index of its
     *                                  scores when it has two or more
     */
    public static int of(Judgement judgement, int label) {
        Objects.requireNonNull(judgement, "judgement");
        if (!judgement.isScored()) {
            return WRONG;
        }
        return isCorrect(judgement.scores(), label) ? CORRECT : WRONG;
    }

    private static void requireIndex(int label, int responses) {
        if (label < 0 || label >= responses) {
            throw new IllegalArgumentException("label must be the best response's index in 0.." + (responses - 1)
                    + " when there are " + responses + " responses, was " + label);
        }
    }
}
