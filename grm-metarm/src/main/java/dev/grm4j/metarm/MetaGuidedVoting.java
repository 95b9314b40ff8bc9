package dev.grm4j.metarm;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * MetaRM@k (paper section on meta RM guided voting): sample k judgements with a {@link VotingGrm}, rate
 * every scored one with a {@link MetaRewardModel}, keep the top k_meta by rating and vote over those by
 * the voting model's own rules ({@link VotingGrm#revote}).
 *
 * <p><b>Rules.</b>
 * <ul>
 *   <li>The plain vote over all k samples comes first, with the voting model's quorum. If it has no
 *       verdict (too few valid samples), neither has the guided one, and the meta RM is not asked.</li>
 *   <li>Only scored samples are rated and may be kept. k_meta is {@code ceil(k / 2)} by default
 *       (paper: k/2), or the fixed {@link Builder#kMeta(int)}; when no more than k_meta samples are
 *       valid, all of them vote and the result is the plain vote itself. So k_meta = k is exactly plain
 *       voting.</li>
 *   <li>Samples with equal ratings are ordered by a random draw seeded from {@link Builder#seed(long)}
 *       and the request's fingerprint: the same request gives the same selection on any thread.</li>
 *   <li>The kept samples are revoted with quorum = their number (all are valid, so the quorum always
 *       holds); the tie-break between equal totals is the voting model's own seeded draw.</li>
 *   <li>A meta RM that fails (a {@link MetaRatingException} or any other
 *       {@link dev.grm4j.core.GrmException}, or a rating that is not finite for a scored sample) leaves
 *       the request to the plain vote, and {@link MetaVoteResult#fallback()} says why: never a silent
 *       drop.</li>
 * </ul>
 *
 * <p>Thread-safe.
 *
 * <pre>{@code
 * MetaGuidedVoting guided = MetaGuidedVoting.builder(voting, LogisticMetaRm.load(Path.of("metarm.json")))
 *         .build();
 * MetaVoteResult result = guided.vote(request);
 * if (result.isVoted()) {
 *     int best = result.best();              // MetaRM@k
 *     int plainBest = result.plain().best(); // Voting@k over the same samples
 * }
 * }</pre>
 */
public interface MetaGuidedVoting {

    /**
     * Votes k samples of {@code request} and lets the top k_meta of them decide; waits for the result.
     *
     * @throws IllegalArgumentException if the request has more responses than the model allows
     */
    MetaVoteResult vote(GrmRequest request);

    /**
     * {@link #vote} without blocking. The future completes normally whatever becomes of the samples or of
     * the meta RM's run-time failures ({@link dev.grm4j.core.GrmException}s: recorded as a fallback); it
     * fails only for a bug (a meta RM throwing some other exception).
     *
     * @throws IllegalArgumentException if the request has more responses than the model allows
     */
    CompletableFuture<MetaVoteResult> voteAsync(GrmRequest request);

    /**
     * Guides a vote already taken: rates {@code plain}'s samples and revotes the top k_meta, making no
     * GRM call. For paired comparisons: {@code plain} may be Voting@k of a prefix of a larger run
     * ({@code voting.revote(request, samples.subList(0, k), quorum)}); k is then
     * {@code plain.samplesRequested()}.
     *
     * @param request the request {@code plain} voted
     * @param plain   its plain vote
     */
    MetaVoteResult guide(GrmRequest request, VoteResult plain);

    /**
     * {@link #guide} without blocking, on the meta RM's async path ({@link MetaRewardModel#rateAsync});
     * completes normally as {@link #voteAsync} does.
     */
    CompletableFuture<MetaVoteResult> guideAsync(GrmRequest request, VoteResult plain);

    /** The k_meta used for a vote of {@code k} samples. */
    int kMeta(int k);

    VotingGrm voting();

    MetaRewardModel metaRm();

    static Builder builder(VotingGrm voting, MetaRewardModel metaRm) {
        return new Builder(voting, metaRm);
    }

    /** Configures guided voting; each setter checks its argument. Not thread-safe. */
    final class Builder {
        final VotingGrm voting;
        final MetaRewardModel metaRm;
        Integer kMeta;
        long seed;

        private Builder(VotingGrm voting, MetaRewardModel metaRm) {
            this.voting = Objects.requireNonNull(voting, "voting");
            this.metaRm = Objects.requireNonNull(metaRm, "metaRm");
        }

        /**
         * A fixed number of samples to keep, >= 1; a value at or above k keeps every valid sample (plain
         * voting). By default ceil(k / 2) of each vote's k.
         */
        public Builder kMeta(int kMeta) {
            if (kMeta < 1) {
                throw new IllegalArgumentException("kMeta must be >= 1, was " + kMeta);
            }
            this.kMeta = kMeta;
            return this;
        }

        /** Seeds the draw that orders samples of equal rating; 0 by default. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public MetaGuidedVoting build() {
            return new DefaultMetaGuidedVoting(voting, metaRm, kMeta, seed);
        }
    }
}
