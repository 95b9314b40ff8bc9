package dev.grm4j.metarm;

import dev.grm4j.core.internal.Seeds;
import dev.grm4j.core.internal.Futures;
import dev.grm4j.core.GrmException;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VoteResult.VoteRecord;
import dev.grm4j.voting.VotingGrm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/** The guided vote behind {@link MetaGuidedVoting}. */
final class DefaultMetaGuidedVoting implements MetaGuidedVoting {

    /** What {@link MetaGuidedVoting.Builder} configured, checked there. */
    record Settings(VotingGrm voting, MetaRewardModel metaRm, OptionalInt kMeta, long seed) {
        Settings {
            Objects.requireNonNull(voting, "voting");
            Objects.requireNonNull(metaRm, "metaRm");
            Objects.requireNonNull(kMeta, "kMeta");
        }
    }

    private final Settings settings;
    private final VotingGrm voting;
    private final MetaRewardModel metaRm;

    DefaultMetaGuidedVoting(Settings settings) {
        this.settings = settings;
        this.voting = settings.voting();
        this.metaRm = settings.metaRm();
    }

    @Override
    public CompletableFuture<VoteResult> voteAsync(GrmRequest request) {
        CompletableFuture<MetaVoteResult> guided = guideAsync(request);
        return cancelling(guided.thenApply(MetaVoteResult::vote), List.of(guided));
    }

    @Override
    public CompletableFuture<List<VoteResult>> voteAllAsync(List<GrmRequest> requests) {
        // The plain votes of the batch first, under the shared limit, then each voted one guided; a
        // result without a vote (an invalid request, no quorum) is its own deciding vote.
        CompletableFuture<List<VoteResult>> plains = voting.voteAllAsync(requests);
        CompletableFuture<List<VoteResult>> all = plains.thenCompose(results -> {
            List<CompletableFuture<VoteResult>> guided = new ArrayList<>(results.size());
            for (int i = 0; i < results.size(); i++) {
                VoteResult plain = results.get(i);
                guided.add(plain.isVoted() ? guideAsync(requests.get(i), plain).thenApply(MetaVoteResult::vote)
                        : CompletableFuture.completedFuture(plain));
            }
            return CompletableFuture.allOf(guided.toArray(CompletableFuture[]::new))
                    .thenApply(done -> guided.stream().map(CompletableFuture::join).toList());
        });
        return cancelling(all, List.of(plains));
    }

    @Override
    public CompletableFuture<MetaVoteResult> guideAsync(GrmRequest request) {
        CompletableFuture<VoteResult> plain = voting.voteAsync(request);
        return cancelling(plain.thenCompose(vote -> guideAsync(request, vote)), List.of(plain));
    }

    /**
     * {@code future}, which cancels {@code upstream} when it is cancelled: a composed stage does not pass
     * its cancellation on, and the samples still queued must not run for a vote nobody waits for.
     */
    private static <T> CompletableFuture<T> cancelling(CompletableFuture<T> future,
                                                       List<? extends CompletableFuture<?>> upstream) {
        future.whenComplete((result, error) -> {
            if (future.isCancelled()) {
                upstream.forEach(stage -> stage.cancel(false));
            }
        });
        return future;
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
        return cancelling(ratings.handle((rated, error) -> {
            if (error != null) {
                Throwable cause = Futures.unwrap(error);
                if (!(cause instanceof GrmException)) {
                    throw new java.util.concurrent.CompletionException(cause);
                }
                return fallback(plain, keep, "meta RM " + metaRm.name() + " failed: " + cause.getMessage());
            }
            return select(request, plain, keep, rated);
        }), List.of(ratings));
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
        SplittableRandom random = new SplittableRandom(Seeds.mix(settings.seed(), request.fingerprint()));
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
        return settings.kMeta().orElse(Math.max(1, (k + 1) / 2));
    }

    @Override
    public VoteResult revote(GrmRequest request, List<Judgement> samples, int quorum) {
        return voting.revote(request, samples, quorum);
    }

    @Override
    public VoteResult revoteAdaptive(GrmRequest request, List<Judgement> samples, int k) {
        return voting.revoteAdaptive(request, samples, k);
    }

    @Override
    public VotingGrm.Adaptive adaptive() {
        return voting.adaptive();
    }

    @Override
    public MetaGuidedVoting withAdaptive(VotingGrm.Adaptive adaptive) {
        VotingGrm other = voting.withAdaptive(adaptive);
        return other == voting ? this
                : new DefaultMetaGuidedVoting(new Settings(other, metaRm, settings.kMeta(), settings.seed()));
    }

    @Override
    public VoteRecord record(GrmRequest request, VoteResult result) {
        return voting.record(request, result);
    }

    @Override
    public PointwiseGrm grm() {
        return voting.grm();
    }

    @Override
    public int k() {
        return voting.k();
    }

    @Override
    public int inFlight() {
        return voting.inFlight();
    }

    @Override
    public int queued() {
        return voting.queued();
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
        return "MetaGuidedVoting[k=" + voting.k() + ", kMeta=" + (settings.kMeta().isPresent()
                ? String.valueOf(settings.kMeta().getAsInt()) : "ceil(k/2)") + ", metaRm=" + metaRm.name() + ", seed="
                + settings.seed() + "]";
    }
}
