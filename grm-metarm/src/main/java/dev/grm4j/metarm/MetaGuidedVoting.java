package dev.grm4j.metarm;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.internal.Futures;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * MetaRM@k (paper section on meta RM guided voting): sample k judgements with a {@link VotingGrm}, rate
 * every scored one with a {@link MetaRewardModel}, keep the top k_meta by rating and vote over those by
 * the voting model's own rules ({@link VotingGrm#revote}).
 *
 * <p><b>A vote like any other.</b> A guided model is a {@link VotingGrm}: {@link #vote} and
 * {@link #voteAsync} answer the vote that decides (over the kept samples, or the plain vote when the meta
 * RM failed or could not choose), so it serves wherever a voting model does. {@link #guide(GrmRequest)}
 * answers the whole {@link MetaVoteResult}: every sample's rating, the plain vote beside it, and why
 * plain voting decided when it did. Calls to the judge go through the wrapped voting model, its shared
 * limit and its {@link dev.grm4j.voting.VotingListener}; {@link #grm()}, {@link #k()}, {@link #inFlight()},
 * {@link #queued()}, {@link #revote} and {@link #record} are the wrapped voting model's.
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
 * MetaVoteResult result = guided.guide(request);
 * if (result.isVoted()) {
 *     int best = result.best();              // MetaRM@k
 *     int plainBest = result.plain().best(); // Voting@k over the same samples
 * }
 * }</pre>
 */
public interface MetaGuidedVoting extends VotingGrm {

    /**
     * The vote that decides MetaRM@k for {@code request}: {@link #guide(GrmRequest)}'s
     * {@link MetaVoteResult#vote() vote}. Completes as {@link #guideAsync(GrmRequest)} does; cancelling
     * it cancels the request's samples still queued.
     *
     * @throws IllegalArgumentException if the request has more responses than the model allows
     */
    @Override
    CompletableFuture<VoteResult> voteAsync(GrmRequest request);

    /**
     * {@link #voteAsync} joined.
     *
     * @throws IllegalArgumentException if the request has more responses than the model allows
     */
    @Override
    default VoteResult vote(GrmRequest request) {
        return Futures.join(voteAsync(request), "meta-guided vote");
    }

    /**
     * The deciding vote of every request, all under the voting model's shared limit, in input order;
     * one bad request is an {@link dev.grm4j.voting.VoteResult.VoteStatus#INVALID_REQUEST} result, as
     * in {@link VotingGrm#voteAllAsync}.
     */
    @Override
    CompletableFuture<List<VoteResult>> voteAllAsync(List<GrmRequest> requests);

    /** {@link #voteAllAsync} joined. */
    @Override
    default List<VoteResult> voteAll(List<GrmRequest> requests) {
        return Futures.join(voteAllAsync(requests), "meta-guided votes");
    }

    /**
     * Votes k samples of {@code request} and lets the top k_meta of them decide, without blocking. The
     * future completes normally whatever becomes of the samples or of the meta RM's run-time failures
     * ({@link dev.grm4j.core.GrmException}s: recorded as a fallback); it fails only for a bug (a meta RM
     * throwing some other exception). Cancelling it cancels the request's samples still queued.
     *
     * @throws IllegalArgumentException if the request has more responses than the model allows
     */
    CompletableFuture<MetaVoteResult> guideAsync(GrmRequest request);

    /**
     * {@link #guideAsync(GrmRequest)} joined.
     *
     * @throws IllegalArgumentException if the request has more responses than the model allows
     */
    default MetaVoteResult guide(GrmRequest request) {
        return Futures.join(guideAsync(request), "meta-guided vote");
    }

    /**
     * Guides a vote already taken, without blocking: rates {@code plain}'s samples on the meta RM's
     * async path ({@link MetaRewardModel#rateAsync}) and revotes the top k_meta, making no GRM call;
     * completes normally as {@link #guideAsync(GrmRequest)} does. For paired comparisons: {@code plain}
     * may be Voting@k of a prefix of a larger run ({@code voting.revote(request, samples.subList(0, k),
     * quorum)}); k is then {@code plain.samplesRequested()}.
     *
     * @param request the request {@code plain} voted
     * @param plain   its plain vote
     */
    CompletableFuture<MetaVoteResult> guideAsync(GrmRequest request, VoteResult plain);

    /** {@link #guideAsync(GrmRequest, VoteResult)} joined. */
    default MetaVoteResult guide(GrmRequest request, VoteResult plain) {
        return Futures.join(guideAsync(request, plain), "meta-guided revote");
    }

    /**
     * The wrapped voting model's plain vote over given samples; no call is made, so the meta RM is not
     * asked either. Guide the result with {@link #guide(GrmRequest, VoteResult)} for MetaRM over them.
     */
    @Override
    VoteResult revote(GrmRequest request, List<Judgement> samples, int quorum);

    /** The k_meta used for a vote of {@code k} samples. */
    int kMeta(int k);

    /** The plain voting model whose samples the meta RM chooses from. */
    VotingGrm voting();

    MetaRewardModel metaRm();

    static Builder builder(VotingGrm voting, MetaRewardModel metaRm) {
        return new Builder(voting, metaRm);
    }

    /** Configures guided voting; each setter checks its argument. Not thread-safe. */
    final class Builder {
        private final VotingGrm voting;
        private final MetaRewardModel metaRm;
        private OptionalInt kMeta = OptionalInt.empty();
        private long seed;

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
            this.kMeta = OptionalInt.of(kMeta);
            return this;
        }

        /** Seeds the draw that orders samples of equal rating; 0 by default. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public MetaGuidedVoting build() {
            return new DefaultMetaGuidedVoting(new DefaultMetaGuidedVoting.Settings(voting, metaRm, kMeta, seed));
        }
    }

    /** This guided vote over its voting model {@link VotingGrm#withAdaptive with another adaptive rule}. */
    @Override
    MetaGuidedVoting withAdaptive(VotingGrm.Adaptive adaptive);
}
