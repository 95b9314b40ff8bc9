package dev.grm4j.examples.batch;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.Reward;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.internal.Winner;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.voting.VotingGrm;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/**
 * The judge a command runs: a pointwise GRM over the chosen backend, scoring benchmark items with
 * the semantics of {@link PointwiseGrm#reward(GrmRequest)} but without blocking a thread per item.
 * Thread-safe.
 */
public final class Judge {

    private final PointwiseGrm grm;
    private final LlmBackend backend;
    private final SamplingOptions sampling;
    private final long seed;
    private final GroundTruth groundTruth;
    private final String secret;

    private Judge(LlmBackend backend, SamplingOptions sampling, long seed, GroundTruth groundTruth, String secret) {
        // rewardSampling and seed match what score() uses, so grm.reward() gives the same answer.
        this.grm = PointwiseGrm.builder(backend).seed(seed).rewardSampling(sampling).build();
        this.backend = backend;
        this.sampling = sampling;
        this.seed = seed;
        this.groundTruth = groundTruth;
        this.secret = secret;
    }

    /** A simulated judge, told each item's best response so that its accuracy knob means something. */
    public static Judge simulated(LlmBackend backend, SamplingOptions sampling, long seed, GroundTruth groundTruth) {
        return new Judge(backend, sampling, seed, groundTruth, null);
    }

    /**
     * A judge behind a real model.
     *
     * @param secret the API key, scrubbed from every message this judge hands out; null when there is none
     */
    public static Judge remote(LlmBackend backend, SamplingOptions sampling, long seed, String secret) {
        return new Judge(backend, sampling, seed, null, secret);
    }

    /** The backend the judge calls, for a cheap check that it answers ({@link LlmBackend#probeAsync()}). */
    public LlmBackend backend() {
        return backend;
    }

    public PointwiseGrm grm() {
        return grm;
    }

    public int maxResponses() {
        return grm.maxResponses();
    }

    /** One greedy judgement of the item; the future does not fail for model or backend problems. */
    public CompletableFuture<ItemResult> score(BenchmarkItem item) {
        return score(item, grm);
    }

    /**
     * As {@link #score(BenchmarkItem)}, with the item's calls going through {@code calls} (its retries
     * and deadline), which is {@link ItemCalls#finish() finished} when the item is.
     */
    public CompletableFuture<ItemResult> score(BenchmarkItem item, ItemCalls calls) {
        // The same settings as the shared model, over this item's calls: the same prompt, parse and seed.
        PointwiseGrm itemGrm = PointwiseGrm.builder(calls).seed(seed).rewardSampling(sampling).build();
        CompletableFuture<ItemResult> result;
        try {
            result = score(item, itemGrm);
        } catch (RuntimeException e) {
            calls.finish();
            throw e;
        }
        return result.whenComplete((done, failure) -> calls.finish());
    }

    /**
     * A vote of the item by {@code voting}, which must vote with this judge's model; the future does not
     * fail for model or backend problems.
     */
    public CompletableFuture<ItemResult> vote(BenchmarkItem item, VotingGrm voting) {
        tellTheSimulator(item);
        return voting.voteAsync(item.request()).thenApply(vote -> new ItemResult.Voted(item, vote, voting.adaptive()));
    }

    /** Only the simulator reads the truth; registering it for a real model would only cost memory. */
    private void tellTheSimulator(BenchmarkItem item) {
        if (groundTruth != null && item.best().isPresent()) {
            groundTruth.register(item.request().responses(), item.best().getAsInt());
        }
    }

    private CompletableFuture<ItemResult> score(BenchmarkItem item, PointwiseGrm grm) {
        GrmRequest request = item.request();
        tellTheSimulator(item);
        List<Integer> order = IntStream.range(0, request.size()).boxed().toList();
        return grm.judgeAsync(request, sampling, order).thenApply(judgement -> judgement.isScored()
                ? new ItemResult.Rewarded(item, reward(request, judgement))
                : new ItemResult.Failed(item, judgement));
    }

    /** The tie-break draw of {@link PointwiseGrm#reward}: seeded per request, so order of completion never matters. */
    private Reward reward(GrmRequest request, Judgement judgement) {
        Winner winner = Winner.of(judgement.scores(), new SplittableRandom(seed ^ request.fingerprint()));
        return new Reward(judgement.scores(), winner.index(), winner.tieBroken(), judgement);
    }

    /** The text with the API key, if any, replaced: backend error messages may quote request details. */
    public String redact(String text) {
        if (secret == null || secret.isEmpty() || text == null) {
            return text;
        }
        return text.replace(secret, "***");
    }
}
