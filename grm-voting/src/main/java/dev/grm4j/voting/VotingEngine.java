package dev.grm4j.voting;

import dev.grm4j.core.internal.AsyncLimiter;
import dev.grm4j.voting.VotingGrm.AdaptiveStop;
import dev.grm4j.voting.VoteResult.VoteRecord;
import dev.grm4j.voting.VoteResult.VoteStatus;
import dev.grm4j.core.internal.Seeds;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Outcome;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.Ticker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** The voting model behind {@link VotingGrm}: one shared limiter, one {@link RequestVote} per request. */
final class VotingEngine implements VotingGrm {

    /**
     * What {@link VotingGrm.Builder#build()} hands over: a copy of its settings, with the quorum and the
     * wave resolved, so that the engine never reads the builder (which its caller may go on changing).
     *
     * @param executor the builder's executor, or null for the shared default pool
     */
    record Settings(PointwiseGrm grm, int k, int quorum, long seed, SamplingOptions sampling, int maxConcurrency,
                    RetryPolicy retry, Duration callTimeout, @Nullable Duration deadline, boolean shuffle,
                    AdaptiveStop adaptive, int wave, @Nullable Executor executor, Ticker ticker) {
    }

    private final PointwiseGrm grm;
    private final int k;
    private final int quorum;
    private final long seed;
    private final SamplingOptions sampling;
    private final RetryPolicy retry;
    private final Duration callTimeout;
    private final Duration deadline;
    private final boolean shuffle;
    private final AdaptiveStop adaptive;
    private final int wave;
    private final Executor executor;
    private final Ticker ticker;
    private final AsyncLimiter limiter;
    /**
     * How many samples of one request share one exact prompt, told to the backend with each call
     * ({@code CompletionRequest.n}): all k when every sample shows the responses in the same order;
     * with shuffling, each sample's prompt is its own (orders may repeat by chance, but nothing
     * promises it), so 1.
     */
    private final int samePrompt;

    VotingEngine(Settings settings) {
        this.grm = settings.grm();
        this.k = settings.k();
        this.quorum = settings.quorum();
        this.seed = settings.seed();
        this.sampling = settings.sampling();
        this.retry = settings.retry();
        this.callTimeout = settings.callTimeout();
        this.deadline = settings.deadline();
        this.shuffle = settings.shuffle();
        this.adaptive = settings.adaptive();
        this.wave = settings.wave();
        this.executor = settings.executor() != null ? settings.executor() : DefaultPool.EXECUTOR;
        this.ticker = settings.ticker();
        this.limiter = new AsyncLimiter(settings.maxConcurrency());
        this.samePrompt = shuffle ? 1 : k;
    }

    @Override
    public CompletableFuture<VoteResult> voteAsync(GrmRequest request) {
        grm.checkRequest(request);
        return new RequestVote(request).start();
    }

    @Override
    public CompletableFuture<List<VoteResult>> voteAllAsync(List<GrmRequest> requests) {
        List<CompletableFuture<VoteResult>> futures = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            GrmRequest request = requests.get(i);
            try {
                if (request == null) {
                    throw new IllegalArgumentException("requests[" + i + "] is null");
                }
                futures.add(voteAsync(request));
            } catch (IllegalArgumentException e) {
                futures.add(CompletableFuture.completedFuture(VoteResult.invalid(e.getMessage(), k, quorum, seed)));
            }
        }
        CompletableFuture<List<VoteResult>> all = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(done -> futures.stream().map(CompletableFuture::join).toList());
        all.whenComplete((results, error) -> {
            if (all.isCancelled()) {
                futures.forEach(future -> future.cancel(false));
            }
        });
        return all;
    }

    @Override
    public VoteResult revote(GrmRequest request, List<Judgement> samples, int quorum) {
        if (quorum < 1 || quorum > samples.size()) {
            throw new IllegalArgumentException("quorum must be in 1.." + samples.size() + ", was " + quorum);
        }
        for (Judgement sample : samples) {
            if (sample.isScored() && sample.scores().size() != request.size()) {
                throw new IllegalArgumentException("a sample has " + sample.scores().size()
                        + " scores but the request has " + request.size() + " responses");
            }
        }
        return verdict(request, requestSeed(request), samples, samples.size(), quorum);
    }

    /** The vote over {@code samples}: a tally when at least {@code quorum} are valid, else NO_QUORUM. */
    private VoteResult verdict(GrmRequest request, long requestSeed, List<Judgement> samples, int requested,
                               int quorum) {
        List<Judgement> valid = samples.stream().filter(Judgement::isScored).toList();
        double shared = samples.stream().flatMap(sample -> sample.promptSize().stream()).findFirst()
                .orElseGet(() -> rendered(request, requestSeed)).sharedShare();
        if (valid.size() < quorum) {
            return new VoteResult(VoteStatus.NO_QUORUM, "only " + valid.size() + " of " + samples.size()
                    + " samples were valid, quorum is " + quorum + VoteResult.describeFailures(samples),
                    null, samples, requested, quorum, requestSeed, shared);
        }
        Tally tally = Tally.of(valid, request.size(), grm.scoreRange(), new SplittableRandom(Seeds.mix(requestSeed, 0)));
        return new VoteResult(VoteStatus.VOTED, null, tally, samples, requested, quorum, requestSeed, shared);
    }

    /**
     * The prompt's size when no sample carries one (samples read back from a record, or all failed
     * before their prompt was rendered): rendered once, here. The share is the same for every order.
     */
    private Judgement.PromptSize rendered(GrmRequest request, long requestSeed) {
        return grm.template().render(request, order(requestSeed, 0, request.size()), grm.scoreRange()).size();
    }

    @Override
    public VoteRecord record(GrmRequest request, VoteResult result) {
        long requestSeed = requestSeed(request);
        List<VoteRecord.Sample> samples = new ArrayList<>();
        List<Judgement> judgements = result.samples();
        for (int i = 0; i < judgements.size(); i++) {
            Judgement sample = judgements.get(i);
            samples.add(new VoteRecord.Sample(i, sample.order(), samplingSeed(requestSeed, i),
                    sample.outcome().name(), sample.failure().orElse(null),
                    sample.isScored() ? sample.scores() : null, sample.usage().inputTokens(),
                    sample.usage().outputTokens(), sample.latency().toMillis()));
        }
        boolean voted = result.isVoted();
        return new VoteRecord(grm.template().version(), grm.modelName(), sampling.temperature(),
                sampling.maxOutputTokens(), seed, requestSeed, k, quorum, shuffle, adaptive.name(),
                result.status().name(), result.failure().orElse(null), voted ? result.totals() : null,
                voted ? result.best() : null, voted ? result.tieBroken() : null, samples);
    }

    @Override
    public PointwiseGrm grm() {
        return grm;
    }

    @Override
    public int k() {
        return k;
    }

    @Override
    public int inFlight() {
        return limiter.inFlight();
    }

    private long requestSeed(GrmRequest request) {
        return Seeds.request(seed, request.fingerprint());
    }

    static long samplingSeed(long requestSeed, int index) {
        return Seeds.sampling(requestSeed, index);
    }

    /** Sample {@code index}'s presentation order: seeded, or the identity when shuffling is off. */
    List<Integer> order(long requestSeed, int index, int n) {
        return Seeds.order(requestSeed, index, n, shuffle);
    }

    /**
     * The state of one request's vote. Its methods run on many threads; every change of state happens
     * under the object's lock, and futures are completed or cancelled outside it.
     */
    private final class RequestVote {
        private final GrmRequest request;
        private final long requestSeed;
        private final long deadlineAt;
        private final Judgement[] results = new Judgement[k];
        private final boolean[] closed = new boolean[k];
        private final java.util.Map<Integer, CompletableFuture<Void>> waiting = new java.util.HashMap<>();
        private final CompletableFuture<VoteResult> result = new CompletableFuture<>();
        private int launched;
        private int finished;
        private boolean stopped;

        RequestVote(GrmRequest request) {
            this.request = request;
            this.requestSeed = requestSeed(request);
            this.deadlineAt = deadline == null ? Long.MAX_VALUE : ticker.read() + deadline.toNanos();
        }

        CompletableFuture<VoteResult> start() {
            result.whenComplete((value, error) -> {
                if (result.isCancelled()) {
                    stop();
                }
            });
            if (deadline != null) {
                CompletableFuture.delayedExecutor(deadline.toNanos(), TimeUnit.NANOSECONDS, executor)
                        .execute(this::expire);
            }
            List<Integer> first = new ArrayList<>();
            synchronized (this) {
                while (launched < wave) {
                    first.add(launched++);
                }
            }
            first.forEach(index -> attempt(index, 1, null));
            return result;
        }

        /** Queues one call of sample {@code index}; {@code previous} is the failure a retry replaces. */
        private void attempt(int index, int attempt, Judgement previous) {
            CompletableFuture<Void> permit = limiter.acquire();
            boolean abandoned = false;
            synchronized (this) {
                if (stopped || closed[index]) {
                    abandoned = true;
                } else {
                    waiting.put(index, permit);
                }
            }
            if (abandoned) {
                permit.cancel(false);
                if (!permit.isCancelled()) {
                    limiter.release();
                }
                close(index, previous);
                return;
            }
            List<Integer> order = order(requestSeed, index, request.size());
            permit.thenRunAsync(() -> call(index, attempt, order, previous), executor);
        }

        private void call(int index, int attempt, List<Integer> order, Judgement previous) {
            boolean abandoned;
            synchronized (this) {
                waiting.remove(index);
                abandoned = stopped || closed[index];
            }
            if (abandoned) {
                limiter.release();
                close(index, previous);
                return;
            }
            SamplingOptions options = sampling.withSeed(samplingSeed(requestSeed, index));
            long timeoutNanos = Math.min(callTimeout.toNanos(), Math.max(1, deadlineAt - ticker.read()));
            CompletableFuture<Judgement> call;
            try {
                call = grm.judgeAsync(request, options, order, samePrompt);
            } catch (RuntimeException e) {
                call = CompletableFuture.completedFuture(Judgement.backendError(e, order, Duration.ZERO));
            }
            call.completeOnTimeout(null, timeoutNanos, TimeUnit.NANOSECONDS)
                    .whenComplete((judgement, error) -> {
                        limiter.release();
                        Judgement sample = judgement != null ? judgement : Judgement.backendError(
                                error != null ? error : new TimeoutException(timeoutNanos < callTimeout.toNanos()
                                        ? "not done by the request deadline of " + deadline.toMillis() + " ms"
                                        : "no answer within the call timeout of " + callTimeout.toMillis() + " ms"),
                                order, Duration.ofNanos(timeoutNanos));
                        settle(index, attempt, sample);
                    });
        }

        private void settle(int index, int attempt, Judgement sample) {
            Duration wait = retryWait(sample, attempt);
            if (wait != null && !isStopped() && ticker.read() + wait.toNanos() < deadlineAt) {
                CompletableFuture.delayedExecutor(wait.toNanos(), TimeUnit.NANOSECONDS, executor)
                        .execute(() -> attempt(index, attempt + 1, sample));
                return;
            }
            close(index, sample);
        }

        /**
         * Ends sample {@code index} with {@code sample} (null: it never ran), launches the next ones the
         * wave allows, and finishes the vote when nothing is left.
         */
        private void close(int index, Judgement sample) {
            List<Integer> next = new ArrayList<>();
            boolean stopNow = false;
            boolean done;
            synchronized (this) {
                if (closed[index]) {
                    return;
                }
                closed[index] = true;
                results[index] = sample;
                finished++;
                if (!stopped && sample != null && adaptive != AdaptiveStop.NEVER && settled()) {
                    stopped = true;
                    stopNow = true;
                }
                while (!stopped && launched < k && launched - finished < wave) {
                    next.add(launched++);
                }
                done = finished == launched && (stopped || launched == k);
            }
            if (stopNow) {
                cancelWaiting();
            }
            next.forEach(i -> attempt(i, 1, null));
            if (done) {
                finish();
            }
        }

        private @Nullable Duration retryWait(Judgement sample, int attempt) {
            if (sample.outcome() != Outcome.BACKEND_ERROR) {
                return null;
            }
            return retry.retryWait(attempt, sample.cause().orElse(null), ThreadLocalRandom.current().nextDouble())
                    .orElse(null);
        }

        /** Whether the samples so far settle the winner under the adaptive rule; called under the lock. */
        private boolean settled() {
            List<Judgement> valid = valid();
            int n = request.size();
            if (valid.size() < quorum || n == 1) {
                return false;
            }
            long[] totals = new long[n];
            for (Judgement sample : valid) {
                for (int i = 0; i < n; i++) {
                    totals[i] += sample.scores().get(i);
                }
            }
            int leader = 0;
            for (int i = 1; i < n; i++) {
                leader = totals[i] > totals[leader] ? i : leader;
            }
            int runnerUp = leader == 0 ? 1 : 0;
            for (int i = 0; i < n; i++) {
                runnerUp = i != leader && totals[i] > totals[runnerUp] ? i : runnerUp;
            }
            int span = grm.scoreRange().max() - grm.scoreRange().min();
            long remaining = k - finished;
            if (totals[leader] - totals[runnerUp] > (long) span * remaining) {
                return true;
            }
            return adaptive == AdaptiveStop.SIGN_TEST && SignTest.settles(valid, leader, runnerUp);
        }

        /** At the deadline, samples still out count as failed, and the vote is taken over what came back. */
        private void expire() {
            List<Integer> out = new ArrayList<>();
            synchronized (this) {
                if (result.isDone()) {
                    return;
                }
                stopped = true;
                for (int i = 0; i < launched; i++) {
                    if (!closed[i]) {
                        out.add(i);
                    }
                }
            }
            cancelWaiting();
            for (int index : out) {
                close(index, Judgement.backendError(new TimeoutException("not done by the request deadline of "
                                + deadline.toMillis() + " ms"),
                        order(requestSeed, index, request.size()), deadline));
            }
        }

        private void stop() {
            synchronized (this) {
                stopped = true;
            }
            cancelWaiting();
        }

        /** Cancels the permits still queued; a sample whose permit is cancelled never ran. */
        private void cancelWaiting() {
            java.util.Map<Integer, CompletableFuture<Void>> pending;
            synchronized (this) {
                pending = new java.util.HashMap<>(waiting);
                waiting.clear();
            }
            pending.forEach((index, permit) -> {
                if (permit.cancel(false)) {
                    close(index, null);
                }
            });
        }

        private synchronized boolean isStopped() {
            return stopped;
        }

        private List<Judgement> valid() {
            List<Judgement> valid = new ArrayList<>();
            for (Judgement sample : results) {
                if (sample != null && sample.isScored()) {
                    valid.add(sample);
                }
            }
            return valid;
        }

        private void finish() {
            List<Judgement> samples = new ArrayList<>();
            synchronized (this) {
                for (Judgement sample : results) {
                    if (sample != null) {
                        samples.add(sample);
                    }
                }
            }
            result.complete(verdict(request, requestSeed, samples, k, quorum));
        }
    }

    private static final class DefaultPool {
        private static final AtomicInteger COUNT = new AtomicInteger();
        static final ExecutorService EXECUTOR = Executors.newFixedThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors()), runnable -> {
                    Thread thread = new Thread(runnable, "grm4j-voting-" + COUNT.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }
}
