package dev.grm4j.metarm;

import dev.grm4j.core.internal.Seeds;
import dev.grm4j.core.internal.Futures;
import dev.grm4j.core.GrmException;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/** The guided vote behind {@link MetaGuidedVoting}. */
final class DefaultMetaGuidedVoting implements MetaGuidedVoting {

    private final VotingGrm voting;
    private final MetaRewardModel metaRm;
    private final Integer kMeta;
    private final long seed;

    DefaultMetaGuidedVoting(VotingGrm voting, MetaRewardModel metaRm, Integer kMeta, long seed) {
        this.voting = voting;
        this.metaRm = metaRm;
        this.kMeta = kMeta;
        this.seed = seed;
    }

    @Override
    public MetaVoteResult vote(GrmRequest request) {
        return voteAsync(request).join();
    }

    @Override
    public CompletableFuture<MetaVoteResult> voteAsync(GrmRequest request) {
        return voting.voteAsync(request).thenCompose(plain -> guideAsync(request, plain));
    }

    @Override
    public MetaVoteResult guide(GrmRequest request, VoteResult plain) {
        return guideAsync(request, plain).join();
    }

    @Override
    public CompletableFuture<MetaVoteResult> guideAsync(GrmRequest request, VoteResult plain) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(plain, "plain");
        int keep = kMeta(plain.samplesRequested());
        List<Judgement> samples = plain.samples();
        if (!plain.isVoted()) {
            return CompletableFuture.completedFuture(fallback(plain, keep, "plain vote " + plain.status() + ": "
                    + plain.failure().orElse("no verdict") + "; nothing for the meta RM to choose from"));
        }
        CompletableFuture<List<Double>> ratings;
        try {
            ratings = metaRm.rateAsync(request, samples);
        } catch (GrmException e) {
            ratings = CompletableFuture.failedFuture(e);
        }
        return ratings.handle((rated, error) -> {
            if (error != null) {
                Throwable cause = Futures.unwrap(error);
                if (!(cause instanceof GrmException)) {
                    throw new java.util.concurrent.CompletionException(cause);
                }
                return fallback(plain, keep, "meta RM " + metaRm.name() + " failed: " + cause.getMessage());
            }
            return select(request, plain, keep, rated);
        });
    }

    private MetaVoteResult select(GrmRequest request, VoteResult plain, int keep, List<Double> ratings) {
        List<Judgement> samples = plain.samples();
        if (ratings == null || ratings.size() != samples.size()) {
            return fallback(plain, keep, "meta RM " + metaRm.name() + " returned "
                    + (ratings == null ? "no" : String.valueOf(ratings.size())) + " ratings for " + samples.size()
                    + " samples");
        }
        List<Integer> valid = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            if (samples.get(i).isScored()) {
                Double rating = ratings.get(i);
                if (rating == null || !Double.isFinite(rating)) {
                    return fallback(plain, keep, "meta RM " + metaRm.name() + " gave sample " + i + " the rating "
                            + rating + "; a scored sample needs a finite one");
                }
                valid.add(i);
            }
        }
        // Equal ratings are ordered by a draw seeded from the seed and the request, one key per sample index.
        SplittableRandom random = new SplittableRandom(Seeds.mix(seed, request.fingerprint()));
        long[] keys = new long[samples.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = random.nextLong();
        }
        List<Integer> ranked = new ArrayList<>(valid);
        ranked.sort(Comparator.<Integer>comparingDouble(i -> -ratings.get(i)).thenComparingLong(i -> keys[i]));
        boolean[] voted = new boolean[samples.size()];
        VoteResult vote;
        if (keep >= valid.size()) {
            valid.forEach(i -> voted[i] = true);
            vote = plain;
        } else {
            List<Integer> chosen = new ArrayList<>(ranked.subList(0, keep));
            chosen.sort(null);
            chosen.forEach(i -> voted[i] = true);
            vote = voting.revote(request, chosen.stream().map(samples::get).toList(), chosen.size());
        }
        List<MetaVoteResult.RatedSample> rated = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            rated.add(new MetaVoteResult.RatedSample(i, samples.get(i), samples.get(i).isScored() ? ratings.get(i)
                    : Double.NaN, voted[i]));
        }
        return new MetaVoteResult(vote, plain, keep, rated, Optional.empty());
    }

    /** The plain vote decides; the reason is kept. Valid samples voted in it, none was rated. */
    private static MetaVoteResult fallback(VoteResult plain, int keep, String reason) {
        List<MetaVoteResult.RatedSample> rated = new ArrayList<>();
        List<Judgement> samples = plain.samples();
        for (int i = 0; i < samples.size(); i++) {
            rated.add(new MetaVoteResult.RatedSample(i, samples.get(i), Double.NaN,
                    plain.isVoted() && samples.get(i).isScored()));
        }
        return new MetaVoteResult(plain, plain, keep, rated, Optional.of(reason));
    }

    @Override
    public int kMeta(int k) {
        return kMeta != null ? kMeta : Math.max(1, (k + 1) / 2);
    }

    @Override
    public VotingGrm voting() {
        return voting;
    }

    @Override
    public MetaRewardModel metaRm() {
        return metaRm;
    }

    @Override
    public String toString() {
        return "MetaGuidedVoting[k=" + voting.k() + ", kMeta=" + (kMeta != null ? kMeta : "ceil(k/2)") + ", metaRm="
                + metaRm.name() + ", seed=" + seed + "]";
    }
}
