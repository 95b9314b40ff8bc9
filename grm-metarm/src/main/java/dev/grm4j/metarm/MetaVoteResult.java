package dev.grm4j.metarm;

import dev.grm4j.core.Judgement;
import dev.grm4j.voting.VoteResult;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of MetaRM@k for one request: every sample with its meta score and whether it voted, the
 * vote that decides, and the plain vote over all k samples beside it (the same samples: a paired
 * comparison).
 *
 * @param vote     the vote that decides: over the top {@code kMeta} samples by meta score, or, when the
 *                 meta RM failed or could not choose, the plain vote itself
 * @param plain    Voting@k over every sample
 * @param kMeta    how many samples the meta RM was to keep
 * @param samples  every sample, in sample-index order
 * @param fallback why plain voting decided, when it did: the meta RM's failure ("meta RM answered HTTP
 *                 500 for sample 3: ...") or a plain vote without quorum; empty when the meta RM chose
 */
public record MetaVoteResult(VoteResult vote, VoteResult plain, int kMeta, List<RatedSample> samples,
                             Optional<String> fallback) {

    /**
     * One sample as the meta RM saw it.
     *
     * @param index     its index among the k samples
     * @param judgement the sample
     * @param metaScore its rating; NaN when it was not rated (not scored, or the meta RM failed)
     * @param voted     whether it counted in {@link #vote()}
     */
    public record RatedSample(int index, Judgement judgement, double metaScore, boolean voted) {
        public RatedSample {
            Objects.requireNonNull(judgement, "judgement");
            if (voted && !judgement.isScored()) {
                throw new IllegalArgumentException("sample " + index + " voted without scores: " + judgement);
            }
        }
    }

    public MetaVoteResult {
        Objects.requireNonNull(vote, "vote");
        Objects.requireNonNull(plain, "plain");
        samples = List.copyOf(samples);
        Objects.requireNonNull(fallback, "fallback");
        if (kMeta < 1) {
            throw new IllegalArgumentException("kMeta must be >= 1, was " + kMeta);
        }
    }

    /** Whether the meta RM chose the voters; false when plain voting decided (see {@link #fallback()}). */
    public boolean guided() {
        return fallback.isEmpty();
    }

    /** Whether {@link #vote()} reached a verdict. */
    public boolean isVoted() {
        return vote.isVoted();
    }

    /**
     * The best response of {@link #vote()}.
     *
     * @throws IllegalStateException if the vote has no verdict
     */
    public int best() {
        return vote.best();
    }

    /** The samples that voted. */
    public List<RatedSample> voters() {
        return samples.stream().filter(RatedSample::voted).toList();
    }
}
