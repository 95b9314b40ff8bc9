package dev.grm4j.voting;

import dev.grm4j.voting.VoteResult.VoteRecord;
import dev.grm4j.voting.VoteResult.VoteStatus;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.Ticker;
import dev.grm4j.core.internal.Futures;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Voting@k over a {@link PointwiseGrm}: k judgements of one request, each presenting the responses in
 * its own seeded random order, scores mapped back to the request's order and summed. Failed samples
 * never vote; fewer valid samples than the quorum give {@link VoteStatus#NO_QUORUM}, never a score.
 *
 * <p><b>Reproducible.</b> Every permutation, sampling seed and tie-break is derived from the voting
 * seed, the request's content fingerprint and the sample index, so the same seed and a deterministic
 * backend give the same result whatever the thread interleaving or batch order.
 *
 * <p><b>Bounded.</b> All requests of one instance share one limit on calls in flight
 * ({@link Builder#maxConcurrency(int)}, 64 by default); the rest wait in a queue without holding a
 * thread. Retriable backend failures are retried with backoff ({@link RetryPolicy}); each call has a
 * timeout and each request an optional deadline. Cancelling a returned future cancels its samples
 * still waiting for a permit; calls already sent run to completion.
 *
 * <p>Thread-safe.
 *
 * <pre>{@code
 * VotingGrm voting = VotingGrm.builder(grm).k(8).seed(42).build();
 * VoteResult result = voting.vote(GrmRequest.of("What is 2 + 2?", "4", "5"));
 * if (result.isVoted()) {
 *     int best = result.best();
 * }
 * }</pre>
 */
public interface VotingGrm {

    /**
     * Votes one request and waits for the result: {@link #voteAsync(GrmRequest)}, joined.
     *
     * @throws IllegalArgumentException if the request has more responses than the model allows
     * @throws java.util.concurrent.CancellationException if the thread is interrupted while it waits;
     *                                                    the vote is cancelled and the flag kept
     */
    default VoteResult vote(GrmRequest request) {
        return Futures.join(voteAsync(request), "vote");
    }

    /**
     * Votes one request without blocking. The future completes normally with a result of any status;
     * cancelling it cancels the request's samples still queued.
     *
     * @throws IllegalArgumentException if the request has more responses than the model allows
     */
    CompletableFuture<VoteResult> voteAsync(GrmRequest request);

    /**
     * Votes every request, all under the shared limit, and returns results in input order. One bad
     * request never fails the batch: it is an {@link VoteStatus#INVALID_REQUEST} result.
     * {@link #voteAllAsync(List)}, joined.
     */
    default List<VoteResult> voteAll(List<GrmRequest> requests) {
        return Futures.join(voteAllAsync(requests), "votes");
    }

    /** {@link #voteAll(List)} without blocking; cancelling it cancels every request's queued samples. */
    CompletableFuture<List<VoteResult>> voteAllAsync(List<GrmRequest> requests);

    /**
     * Votes over given samples of {@code request} by this model's rules (failed samples never vote,
     * the seeded tie-break), requiring {@code quorum} valid ones; no call is made. For paired
     * comparisons on the very same samples: Voting@k for every k up to the k run (take a prefix), or a
     * meta RM's top-ranked subset.
     *
     * @throws IllegalArgumentException if {@code quorum} is not in 1..samples.size(), or a scored sample
     *                                  has another number of scores than the request has responses
     */
    VoteResult revote(GrmRequest request, List<dev.grm4j.core.Judgement> samples, int quorum);

    /** Everything needed to rerun a vote: template, model, sampling, seed, permutations, outcomes. */
    VoteRecord record(GrmRequest request, VoteResult result);

    /** The model that judges each sample. */
    PointwiseGrm grm();

    /** Samples per request. */
    int k();

    /** Calls in flight right now, over all requests. */
    int inFlight();

    static Builder builder(PointwiseGrm grm) {
        return new Builder(grm);
    }

    /** Configures a {@link VotingGrm}; each setter checks its argument, {@link #build()} their combination. */
    final class Builder {
        public static final int DEFAULT_K = 8;
        public static final int DEFAULT_MAX_CONCURRENCY = 64;
        public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(60);

        private final PointwiseGrm grm;
        private int k = DEFAULT_K;
        private Integer quorum;
        private long seed;
        private SamplingOptions sampling = SamplingOptions.sampled(SamplingOptions.PAPER_TEMPERATURE);
        private int maxConcurrency = DEFAULT_MAX_CONCURRENCY;
        private RetryPolicy retry = RetryPolicy.defaults();
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private Duration deadline;
        private boolean shuffle = true;
        private AdaptiveStop adaptive = AdaptiveStop.NEVER;
        private Integer wave;
        private Executor executor;
        private Ticker ticker = Ticker.system();

        private Builder(PointwiseGrm grm) {
            this.grm = Objects.requireNonNull(grm, "grm");
        }

        /** Samples per request, k >= 1; 8 by default. */
        public Builder k(int k) {
            if (k < 1) {
                throw new IllegalArgumentException("k must be >= 1, was " + k);
            }
            this.k = k;
            return this;
        }

        /** Valid samples needed for a vote, 1..k; more than half of k by default. */
        public Builder quorum(int quorum) {
            if (quorum < 1) {
                throw new IllegalArgumentException("quorum must be >= 1, was " + quorum);
            }
            this.quorum = quorum;
            return this;
        }

        /** The seed every per-sample draw derives from; 0 by default. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Temperature, output budget and stop sequences of each sample (the paper's temperature 0.5 by
         * default); the seed is replaced per sample by one derived from the voting seed.
         */
        public Builder sampling(SamplingOptions sampling) {
            this.sampling = Objects.requireNonNull(sampling, "sampling");
            return this;
        }

        /** The most calls in flight at once, over every request of this instance; 64 by default. */
        public Builder maxConcurrency(int maxConcurrency) {
            if (maxConcurrency < 1) {
                throw new IllegalArgumentException("maxConcurrency must be >= 1, was " + maxConcurrency);
            }
            this.maxConcurrency = maxConcurrency;
            return this;
        }

        public Builder retry(RetryPolicy retry) {
            this.retry = Objects.requireNonNull(retry, "retry");
            return this;
        }

        /**
         * The longest one call may take once it holds a permit; a call that runs over fails as a
         * retriable timeout. {@link #DEFAULT_CALL_TIMEOUT 60 s} by default: below the usual client
         * timeouts of RL trainers (OpenRLHF: 180 s), so a hung judge is noticed while a retry still helps.
         */
        public Builder callTimeout(Duration callTimeout) {
            this.callTimeout = positive(callTimeout, "callTimeout");
            return this;
        }

        /**
         * The longest one request may take, queueing and retries included; none by default. Samples
         * unfinished at the deadline count as failed: {@code BACKEND_ERROR}, "not done by the request
         * deadline of D ms".
         */
        public Builder deadline(Duration deadline) {
            this.deadline = positive(deadline, "deadline");
            return this;
        }

        /** Whether each sample presents the responses in its own random order; true by default. */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** When a request may stop before all k samples ran; {@link AdaptiveStop#NEVER} by default. */
        public Builder adaptive(AdaptiveStop adaptive) {
            this.adaptive = Objects.requireNonNull(adaptive, "adaptive");
            return this;
        }

        /** In adaptive modes, the most samples of one request in flight at once; the quorum by default. */
        public Builder wave(int wave) {
            if (wave < 1) {
                throw new IllegalArgumentException("wave must be >= 1, was " + wave);
            }
            this.wave = wave;
            return this;
        }

        /**
         * Runs prompt rendering and vote bookkeeping (not the LLM calls, which run on the backend's own
         * threads); a shared pool of daemon threads, one per core, by default. Virtual threads work.
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * The ticker that request deadlines and retry budgets are measured with; {@link Ticker#system()}
         * by default. The waits themselves (call timeouts, backoff, the deadline timer) are scheduled in
         * real time.
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** @throws IllegalArgumentException if the quorum exceeds k */
        public VotingGrm build() {
            int effectiveQuorum = quorum != null ? quorum : k / 2 + 1;
            if (effectiveQuorum > k) {
                throw new IllegalArgumentException("quorum " + effectiveQuorum + " exceeds k " + k);
            }
            int effectiveWave = adaptive == AdaptiveStop.NEVER ? k : Math.min(k, wave != null ? wave : effectiveQuorum);
            return new VotingEngine(new VotingEngine.Settings(grm, k, effectiveQuorum, seed, sampling, maxConcurrency,
                    retry, callTimeout, deadline, shuffle, adaptive, effectiveWave, executor, ticker));
        }

        private static Duration positive(Duration duration, String name) {
            Objects.requireNonNull(duration, name);
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + duration);
            }
            return duration;
        }
    }

    /**
     * When a request may stop sampling before all k samples ran. In adaptive modes the samples of one
     * request run in waves (see {@link VotingGrm.Builder#wave(int)}), so that samples not yet started
     * can be skipped.
     */
    public enum AdaptiveStop {
        /** Always run all k samples (the paper's Voting@k). */
        NEVER,
        /**
         * Stop once the remaining samples cannot change the best response: the leader's total exceeds the
         * runner-up's by more than {@code (max - min) * remaining} (9 x remaining on 1..10), and the quorum
         * is met. The best response is then the one running all k would give, and no tie can arise.
         */
        EXACT,
        /**
         * {@link #EXACT}, or earlier once a one-sided sign test says the leader is settled: among the valid
         * samples so far, count those that scored the leader strictly above the runner-up (w) and strictly
         * below (l); stop when at least the quorum is valid and {@code P(X >= w | X ~ Binomial(w + l, 1/2)) < 0.01}.
         * Saves more samples than EXACT, but may (rarely) pick another response than all k would.
         */
        SIGN_TEST
    }
}
