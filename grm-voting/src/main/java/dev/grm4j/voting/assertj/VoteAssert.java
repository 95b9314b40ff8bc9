package dev.grm4j.voting.assertj;

import dev.grm4j.core.Judgement;
import dev.grm4j.core.Principle;
import dev.grm4j.voting.VoteResult;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.assertj.core.api.AbstractAssert;
import org.jspecify.annotations.Nullable;

/**
 * AssertJ assertions over a {@link VoteResult}; start with {@link GrmAssertions#assertThat(VoteResult)}.
 *
 * <p>Every assertion but {@link #isVoted()} first checks that the vote met its quorum, so a vote without
 * quorum (a judge that cannot be reached, a judge whose outputs do not parse) fails the test with the
 * reason and each failed sample's outcome, never passes. A failure message states what was expected,
 * what the vote gave (best, totals, means, agreement), and for every sample that disagreed its index,
 * presentation order, scores, principles and critique; a critique longer than
 * {@value #CRITIQUE_LIMIT} characters is cut there and the message says so.
 *
 * <p>Not thread-safe, as any AssertJ assertion; the {@link VoteResult} itself is immutable.
 */
public final class VoteAssert extends AbstractAssert<VoteAssert, VoteResult> {

    /** The characters of a critique a failure message quotes before it cuts the rest. */
    public static final int CRITIQUE_LIMIT = 600;

    VoteAssert(@Nullable VoteResult actual) {
        super(actual, VoteAssert.class);
    }

    /**
     * Checks that the vote met its quorum ({@link VoteResult.VoteStatus#VOTED}). On failure the message
     * gives the status, the failure reason and each failed sample's outcome and reason, and the
     * {@link AssertionError}'s cause is the first failed sample's exception, if it has one.
     *
     * @return this assertion
     * @throws AssertionError if the result is null or its status is not VOTED
     */
    public VoteAssert isVoted() {
        isNotNull();
        if (actual.isVoted()) {
            return this;
        }
        StringBuilder text = new StringBuilder("expected a vote, but it was ").append(actual.status())
                .append(": ").append(actual.failure().orElse(""));
        Throwable cause = null;
        List<Judgement> failed = actual.samples().stream().filter(sample -> !sample.isScored()).toList();
        if (!failed.isEmpty()) {
            text.append("\nfailed samples:");
        }
        for (Judgement sample : failed) {
            int index = actual.samples().indexOf(sample);
            text.append("\n  sample ").append(index).append(", order ").append(sample.order()).append(": ")
                    .append(sample.outcome());
            sample.failure().ifPresent(reason -> text.append(": ").append(reason));
            if (cause == null && sample.cause().isPresent()) {
                cause = sample.cause().get();
            }
        }
        throw assertionError(text.toString(), cause);
    }

    /**
     * Checks that the vote's best response is {@code response}. The samples quoted on failure are the
     * valid ones that did not rank {@code response} at their top (ties included).
     *
     * @param response the expected best, a request index from 0
     * @return this assertion
     * @throws AssertionError           if the vote failed or its best is another response
     * @throws IllegalArgumentException if {@code response} is not an index of the request's responses
     */
    public VoteAssert prefers(int response) {
        isVoted();
        checkIndex(response);
        if (actual.best() != response) {
            throw assertionError(explain("expected the vote to prefer response " + response + ", but it preferred response "
                            + actual.best(), "did not rank response " + response + " first",
                    sample -> !tops(sample).contains(response)), null);
        }
        return this;
    }

    /**
     * Checks that at least the share {@code minimum} of valid samples ranked the vote's best at their
     * top ({@link VoteResult#agreement()}). The samples quoted on failure are those that did not.
     *
     * @param minimum the least agreement, in 0..1
     * @return this assertion
     * @throws AssertionError           if the vote failed or its agreement is below {@code minimum}
     * @throws IllegalArgumentException if {@code minimum} is not in 0..1
     */
    public VoteAssert hasAgreementAtLeast(double minimum) {
        if (!(minimum >= 0 && minimum <= 1)) {
            throw new IllegalArgumentException("minimum agreement must be in 0..1, was " + minimum);
        }
        isVoted();
        if (actual.agreement() < minimum) {
            int best = actual.best();
            throw assertionError(explain("expected an agreement of at least " + number(minimum) + ", but it was "
                            + number(actual.agreement()), "did not rank the best, response " + best + ", first",
                    sample -> !tops(sample).contains(best)), null);
        }
        return this;
    }

    /**
     * Checks that the mean score of {@code response} over the valid samples is at least
     * {@code meanScore}, on the judge's scale (e.g. 1..10). The samples quoted on failure are those
     * that scored it below {@code meanScore}.
     *
     * @param response  a request index from 0
     * @param meanScore the least mean score
     * @return this assertion
     * @throws AssertionError           if the vote failed or the mean is below {@code meanScore}
     * @throws IllegalArgumentException if {@code response} is not an index of the request's responses,
     *                                  or {@code meanScore} is not finite
     */
    public VoteAssert scoresAtLeast(int response, double meanScore) {
        if (!Double.isFinite(meanScore)) {
            throw new IllegalArgumentException("mean score must be finite, was " + meanScore);
        }
        isVoted();
        checkIndex(response);
        double mean = actual.means().get(response);
        if (mean < meanScore) {
            throw assertionError(explain("expected response " + response + " to score at least " + number(meanScore)
                            + " on average, but it scored " + number(mean),
                    "scored response " + response + " below " + number(meanScore),
                    sample -> sample.scores().get(response) < meanScore), null);
        }
        return this;
    }

    private void checkIndex(int response) {
        int size = actual.totals().size();
        if (response < 0 || response >= size) {
            throw new IllegalArgumentException("response must be in 0.." + (size - 1) + ", was " + response);
        }
    }

    /** The request indices that share a sample's top score. */
    private static List<Integer> tops(Judgement sample) {
        List<Integer> scores = sample.scores();
        int max = Collections.max(scores);
        List<Integer> tops = new ArrayList<>();
        for (int i = 0; i < scores.size(); i++) {
            if (scores.get(i) == max) {
                tops.add(i);
            }
        }
        return tops;
    }

    private String explain(String expectation, String disagreement, Predicate<Judgement> disagreed) {
        StringBuilder text = new StringBuilder(expectation).append('\n')
                .append("vote: best ").append(actual.best())
                .append(actual.tieBroken() ? " (drawn among " + actual.tied() + ")" : "")
                .append(", totals ").append(actual.totals())
                .append(", means ").append(actual.means().stream().map(VoteAssert::number).toList())
                .append(", agreement ").append(number(actual.agreement()))
                .append(", ").append(actual.validSamples()).append(" of ").append(actual.samplesRun())
                .append(" samples valid");
        List<Integer> quoted = new ArrayList<>();
        for (int i = 0; i < actual.samples().size(); i++) {
            Judgement sample = actual.samples().get(i);
            if (sample.isScored() && disagreed.test(sample)) {
                quoted.add(i);
            }
        }
        text.append('\n').append(quoted.size()).append(" of ").append(actual.validSamples())
                .append(" valid samples ").append(disagreement).append(quoted.isEmpty() ? "" : ":");
        for (int index : quoted) {
            Judgement sample = actual.samples().get(index);
            text.append("\n  sample ").append(index).append(", order ").append(sample.order())
                    .append(", scores ").append(sample.scores()).append('\n');
            text.append("    principles:");
            if (sample.principles().isEmpty()) {
                text.append(" (none)");
            }
            for (Principle principle : sample.principles()) {
                text.append("\n      - ").append(principle.text());
            }
            text.append("\n    critique: ").append(critique(sample.critique()));
        }
        return text.toString();
    }

    private static String critique(String critique) {
        String text = critique.strip();
        String note = "";
        if (text.length() > CRITIQUE_LIMIT) {
            note = "\n      [critique cut at " + CRITIQUE_LIMIT + " of " + text.length() + " characters]";
            text = text.substring(0, CRITIQUE_LIMIT) + "...";
        }
        return text.replace("\n", "\n      ") + note;
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    /** An AssertionError with the assertion's description, or its overriding message, and a cause. */
    private AssertionError assertionError(String message, @Nullable Throwable cause) {
        String overriding = info.overridingErrorMessage();
        String text = overriding != null ? overriding : message;
        String description = info.descriptionText();
        if (description != null && !description.isEmpty()) {
            text = "[" + description + "] " + text;
        }
        return new AssertionError(text, cause);
    }
}
