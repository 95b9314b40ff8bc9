package dev.grm4j.core;

import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.internal.Futures;
import dev.grm4j.core.prompt.PromptTemplate;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A pointwise generative reward model: one model call reads the conversation and N responses and
 * writes principles, a critique and one integer score per response.
 *
 * <p>Thread-safe. A judgement never fails by exception for a model or backend problem: it comes back
 * with an {@link Outcome} other than {@link Outcome#SCORED}. Invalid requests (more responses than
 * {@link #maxResponses()}) throw {@link IllegalArgumentException} before any call is made.
 *
 * <pre>{@code
 * PointwiseGrm grm = PointwiseGrm.builder(backend).build();
 * Reward reward = grm.reward(GrmRequest.of("What is 2 + 2?", "4", "5"));
 * int best = reward.best();
 * }</pre>
 */
public interface PointwiseGrm {

    /**
     * Samples {@code n} judgements of one prompt (this request, responses presented in {@code order})
     * without blocking: the one method an implementation writes. The calls run on the backend's async
     * path ({@link LlmBackend#completeAllAsync}): one call of n completions where the backend can, else
     * n calls. The future never completes exceptionally for a backend failure: each failed sample is a
     * {@link Outcome#BACKEND_ERROR} judgement of its own.
     *
     * @param sampling the call's options; with n > 1 and separate calls, sample i is seeded
     *                 {@code Seeds.choice(seed, i)}
     * @param order    a permutation of {@code 0..N-1}: {@code order.get(p)} is the request index of the
     *                 response shown at position {@code p}; scores come back in the request's order
     * @param n        how many samples, >= 1
     * @return n judgements, in choice order
     * @throws IllegalArgumentException if the request has more than {@link #maxResponses()} responses,
     *                                  {@code order} is not a permutation of its indices, or {@code n < 1}
     */
    CompletableFuture<List<Judgement>> judgeAllAsync(GrmRequest request, SamplingOptions sampling, List<Integer> order,
                                                     int n);

    /** One judgement with the responses presented in {@code order}, without blocking. */
    default CompletableFuture<Judgement> judgeAsync(GrmRequest request, SamplingOptions sampling, List<Integer> order) {
        return judgeAllAsync(request, sampling, order, 1).thenApply(samples -> samples.get(0));
    }

    /**
     * Whether {@link #judgeAllAsync} samples n judgements with one backend call: the backend's
     * {@link LlmBackend#samplesInOneCall()}. A wrapping model passes on its inner model's answer.
     */
    default boolean samplesInOneCall() {
        return false;
    }

    /**
     * Samples one judgement with the responses presented in {@code order} and waits for it: the async
     * form, joined.
     *
     * @throws IllegalArgumentException as {@link #judgeAllAsync(GrmRequest, SamplingOptions, List, int)}
     * @throws java.util.concurrent.CancellationException if the thread is interrupted while it waits; the
     *                                                    call is cancelled and the interrupt flag kept
     */
    default Judgement judge(GrmRequest request, SamplingOptions sampling, List<Integer> order) {
        return Futures.join(judgeAsync(request, sampling, order), "judgement by " + modelName());
    }

    /** Samples one judgement with the responses in the request's own order. */
    default Judgement judge(GrmRequest request, SamplingOptions sampling) {
        return judge(request, sampling, identity(request.size()));
    }

    /**
     * One greedy judgement, read as a reward, without blocking: scores, the best response (ties broken
     * by a random draw seeded from the model's seed and the request), and the judgement behind them.
     * The future fails with a {@link JudgementFailedException} carrying the judgement when it is not
     * {@link Outcome#SCORED}.
     *
     * @throws IllegalArgumentException if the request has more than {@link #maxResponses()} responses
     */
    CompletableFuture<Reward> rewardAsync(GrmRequest request);

    /**
     * {@link #rewardAsync(GrmRequest)}, joined.
     *
     * @throws JudgementFailedException if the judgement is not {@link Outcome#SCORED}; it carries it
     */
    default Reward reward(GrmRequest request) {
        return Futures.join(rewardAsync(request), "reward by " + modelName());
    }

    /** The most responses one request may carry. */
    int maxResponses();

    /**
     * Checks what this model can judge, before any call: the same check {@link #judge} makes.
     *
     * @throws IllegalArgumentException if the request has more than {@link #maxResponses()} responses
     */
    default void checkRequest(GrmRequest request) {
        if (request.size() > maxResponses()) {
            throw new IllegalArgumentException("responses has " + request.size()
                    + " items, more than maxResponses " + maxResponses());
        }
    }

    ScoreRange scoreRange();

    PromptTemplate template();

    /** The backend's model name, for records. */
    String modelName();

    static Builder builder(LlmBackend backend) {
        return new Builder(backend);
    }

    private static List<Integer> identity(int size) {
        return java.util.stream.IntStream.range(0, size).boxed().toList();
    }

    /** Configures a {@link PointwiseGrm}; each setter checks its argument. Not thread-safe. */
    final class Builder {
        /** Enough for listwise benchmarks (RM-Bench has 4) and best-of-16 sampling. */
        public static final int DEFAULT_MAX_RESPONSES = 16;

        private final LlmBackend backend;
        private PromptTemplate template = PromptTemplate.defaultTemplate();
        private ScoreRange scoreRange = ScoreRange.DEFAULT;
        private int maxResponses = DEFAULT_MAX_RESPONSES;
        private long seed = 0;
        private SamplingOptions greedy = SamplingOptions.greedy();
        private Ticker ticker = Ticker.system();

        private Builder(LlmBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
        }

        public Builder template(PromptTemplate template) {
            this.template = Objects.requireNonNull(template, "template");
            return this;
        }

        public Builder scoreRange(ScoreRange scoreRange) {
            this.scoreRange = Objects.requireNonNull(scoreRange, "scoreRange");
            return this;
        }

        public Builder maxResponses(int maxResponses) {
            if (maxResponses < 1) {
                throw new IllegalArgumentException("maxResponses must be >= 1, was " + maxResponses);
            }
            this.maxResponses = maxResponses;
            return this;
        }

        /** Seeds the tie-break of {@link PointwiseGrm#reward(GrmRequest)}; 0 by default. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The sampling options of {@link PointwiseGrm#reward(GrmRequest)}; {@link SamplingOptions#greedy()} by default. */
        public Builder rewardSampling(SamplingOptions sampling) {
            this.greedy = Objects.requireNonNull(sampling, "sampling");
            return this;
        }

        /** The ticker that times each call; {@link Ticker#system()} by default. */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        public PointwiseGrm build() {
            return new DefaultPointwiseGrm(backend, template, scoreRange, maxResponses, seed, greedy, ticker);
        }
    }
}
