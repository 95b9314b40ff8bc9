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
 * Voting@k over a {@link PointwiseGrm}: k judgements of one request, scores mapped back to the
 * request's order and summed. Failed samples never vote; fewer valid samples than the quorum give
 * {@link VoteStatus#NO_QUORUM}, never a score.
 *
 * <p><b>Orders.</b> By default the k samples follow a balanced design ({@link Shuffle#BALANCED}): over
 * them every response sits at every position equally often, so position bias cancels by construction.
 * Samples that share an order go to the model as one call of n completions
 * ({@link PointwiseGrm#judgeAllAsync}); a backend that supports it prefills and bills that prompt once.
 *
 * <p><b>Adaptive.</b> With {@link Adaptive#EXACT} or {@link Adaptive#AUTO} the samples run in waves of
 * whole balanced blocks, and the vote stops once the samples so far settle it.
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
 * <p><b>Observable.</b> A {@link VotingListener} ({@link Builder#listener}) hears of every sample sent
 * and of its outcome, tokens and latency; {@link #inFlight()} and {@link #queued()} gauge the limit.
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

    /**
     * What an adaptive vote with a budget of {@code k} samples decides on samples already drawn (the
     * first samples of a vote of k or more, in index order), by this model's adaptive rule: the vote
     * over the first m samples, m the first wave boundary of a k-sample design at which the rule
     * settles it, or over all k when it never does (always, when adaptive is OFF). No call is made.
     * An evaluation reads adaptive accuracy and cost at several budgets from one run at the largest.
     *
     * @throws IllegalArgumentException if {@code k} is not in 1..samples.size(), or a scored sample has
     *                                  another number of scores than the request has responses
     */
    VoteResult revoteAdaptive(GrmRequest request, List<dev.grm4j.core.Judgement> samples, int k);

    /** How this model stops early, if it does. */
    Adaptive adaptive();

    /**
     * This model with another adaptive rule, sharing everything else, its limit on calls in flight
     * included: a server can let each request choose its mode without splitting that limit.
     */
    VotingGrm withAdaptive(Adaptive adaptive);

    /** Everything needed to rerun a vote: template, model, sampling, seed, permutations, outcomes. */
    VoteRecord record(GrmRequest request, VoteResult result);

    /** The model that judges each sample. */
    PointwiseGrm grm();

    /** Samples per request. */
    int k();

    /**
     * Samples in flight right now, over all requests (this model's {@link #withAdaptive} views included):
     * the permits of {@link Builder#maxConcurrency(int)} in use, a call of n samples holding n.
     */
    int inFlight();

    /**
     * Samples waiting for a permit right now, over all requests, in the unit of {@link #inFlight()}: with
     * it, a gauge of the shared limit. Samples waiting out a retry's backoff are in neither count.
     */
    int queued();

    static Builder builder(PointwiseGrm grm) {
        return new Builder(grm);
    }

    /** Configures a {@link VotingGrm}; each setter checks its argument, {@link #build()} their combination. */
    final class Builder {
        public static final int DEFAULT_K = 8;
        public static final int DEFAULT_MAX_CONCURRENCY = 64;
        public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(60);
        /** AUTO's risk: the bound on the chance that the samples not run would change the winner. */
        public static final double DEFAULT_AUTO_RISK = 0.2;
        /** The fewest samples between two adaptive decisions: two balanced blocks of a pair. */
        public static final int DEFAULT_WAVE = 4;
        /** Hears nothing: every method is the interface's no-op. */
        private static final VotingListener NO_LISTENER = new VotingListener() {
        };

        private final PointwiseGrm grm;
        private int k = DEFAULT_K;
        private Integer quorum;
        private long seed;
        private SamplingOptions sampling = SamplingOptions.sampled(SamplingOptions.PAPER_TEMPERATURE);
        private int maxConcurrency = DEFAULT_MAX_CONCURRENCY;
        private RetryPolicy retry = RetryPolicy.defaults();
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private Duration deadline;
        private Shuffle shuffle = Shuffle.BALANCED;
        private Adaptive adaptive = Adaptive.OFF;
        private double autoRisk = DEFAULT_AUTO_RISK;
        private int wave = DEFAULT_WAVE;
        private Integer samplesPerCall;
        private Executor executor;
        private Ticker ticker = Ticker.system();
        private VotingListener listener = NO_LISTENER;

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

        /** How each sample's order of the responses is chosen; {@link Shuffle#BALANCED} by default. */
        public Builder shuffle(Shuffle shuffle) {
            this.shuffle = Objects.requireNonNull(shuffle, "shuffle");
            return this;
        }

        /** {@link Shuffle#BALANCED} for true, {@link Shuffle#OFF} for false. */
        public Builder shuffle(boolean shuffle) {
            return shuffle(shuffle ? Shuffle.BALANCED : Shuffle.OFF);
        }

        /** When a request may stop before all k samples ran; {@link Adaptive#OFF} (Voting@k) by default. */
        public Builder adaptive(Adaptive adaptive) {
            this.adaptive = Objects.requireNonNull(adaptive, "adaptive");
            return this;
        }

        /**
         * {@link Adaptive#AUTO}'s risk, in (0, 1): it stops once its bound on the chance that the remaining
         * samples would change the winner is below this; {@link #DEFAULT_AUTO_RISK} by default.
         */
        public Builder autoRisk(double risk) {
            if (!(risk > 0 && risk < 1)) {
                throw new IllegalArgumentException("autoRisk must be in (0, 1), was " + risk);
            }
            this.autoRisk = risk;
            return this;
        }

        /**
         * In adaptive modes, the fewest samples between two decisions, rounded up to whole balanced blocks
         * (N orders, or N orders sampled several times each); {@link #DEFAULT_WAVE} by default.
         */
        public Builder wave(int wave) {
            if (wave < 1) {
                throw new IllegalArgumentException("wave must be >= 1, was " + wave);
            }
            this.wave = wave;
            return this;
        }

        /**
         * The most samples one call may carry (samples sharing an order are asked for as n completions of
         * one call); the concurrency limit by default. 1 makes every sample its own call.
         */
        public Builder samplesPerCall(int samplesPerCall) {
            if (samplesPerCall < 1) {
                throw new IllegalArgumentException("samplesPerCall must be >= 1, was " + samplesPerCall);
            }
            this.samplesPerCall = samplesPerCall;
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

        /**
         * Told of every sample this model sends and of what came back (outcome, tokens, latency, retry):
         * what a server's metrics or a tracer are made of. Shared by the {@link VotingGrm#withAdaptive}
         * views. A listener that throws never breaks a vote. None by default.
         */
        public Builder listener(VotingListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** @throws IllegalArgumentException if the quorum exceeds k */
        public VotingGrm build() {
            int effectiveQuorum = quorum != null ? quorum : k / 2 + 1;
            if (effectiveQuorum > k) {
                throw new IllegalArgumentException("quorum " + effectiveQuorum + " exceeds k " + k);
            }
            int perCall = samplesPerCall != null ? samplesPerCall : maxConcurrency;
            return new VotingEngine(new VotingEngine.Settings(grm, k, effectiveQuorum, seed, sampling, maxConcurrency,
                    retry, callTimeout, deadline, shuffle, adaptive, autoRisk, wave, perCall, executor, ticker, listener));
        }

        private static Duration positive(Duration duration, String name) {
            Objects.requireNonNull(duration, name);
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + duration);
            }
            return duration;
        }
    }

    /** How the k samples of a request order the responses. */
    enum Shuffle {
        /**
         * A balanced design: blocks of the N rotations of a seeded random order, so that every response sits
         * at every position equally often (exactly when N divides k); orders distinct while {@code k <= N!}.
         */
        BALANCED,
        /** A fresh seeded random order per sample: the paper's procedure, as peers run it. */
        RANDOM,
        /** Every sample shows the responses in the request's own order. */
        OFF
    }

    /**
     * When a request may stop sampling before all k samples ran. Adaptive modes run the samples in waves
     * (see {@link VotingGrm.Builder#wave(int)}) and decide after each; an early stop also needs the share of
     * valid samples the quorum asks of all k.
     */
    enum Adaptive {
        /** Always run all k samples: the paper's Voting@k. */
        OFF,
        /**
         * Stop once the remaining samples cannot change the best response: the leader's total exceeds every
         * other's by more than {@code (max - min) * remaining} (9 x remaining on 1..10). The best response
         * is then the one all k would give.
         */
        EXACT,
        /**
         * Stop once a bound on the chance that the remaining samples would change the winner is below the
         * risk ({@link Builder#autoRisk(double)}, 0.2 by default), under a model in which the samples not
         * run are like those seen (a Dirichlet-multinomial over samples for, level with and against the
         * leader, with half a sample of prior doubt; each challenger's chance is added). Far cheaper than
         * EXACT; it may, rarely, pick another response than all k would.
         */
        AUTO
    }
}
