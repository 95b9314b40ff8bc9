package dev.grm4j.voting;

import dev.grm4j.core.internal.AsyncLimiter;
import dev.grm4j.core.internal.SampleDesign;
import dev.grm4j.voting.VotingGrm.Adaptive;
import dev.grm4j.voting.VotingGrm.Shuffle;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The voting model behind {@link VotingGrm}: one shared limiter, one {@link RequestVote} per request. */
final class VotingEngine implements VotingGrm {

    private static final Logger log = LoggerFactory.getLogger(VotingEngine.class);

    /**
     * What {@link VotingGrm.Builder#build()} hands over: a copy of its settings, with the quorum resolved,
     * so that the engine never reads the builder (which its caller may go on changing).
     *
     * @param wave         in adaptive modes, the fewest samples between two decisions
     * @param samplesPerCall the most samples one call may carry
     * @param executor     the builder's executor, or null for the shared default pool
     */
    record Settings(PointwiseGrm grm, int k, int quorum, long seed, SamplingOptions sampling, int maxConcurrency,
                    RetryPolicy retry, Duration callTimeout, @Nullable Duration deadline, Shuffle shuffle,
                    Adaptive adaptive, double autoRisk, int wave, int samplesPerCall, @Nullable Executor executor,
                    Ticker ticker, VotingListener listener) {
    }

    /**
     * What an instance shares with its {@link #withAdaptive} views: one limit, one listener (which warns
     * once for all of them), one numbering of votes.
     */
    private record Shared(AsyncLimiter limiter, Listener listener, AtomicLong votes) {
    }

    private final Settings settings;
    private final PointwiseGrm grm;
    private final int k;
    private final int quorum;
    private final long seed;
    private final SamplingOptions sampling;
    private final RetryPolicy retry;
    private final Duration callTimeout;
    private final Duration deadline;
    private final Shuffle shuffle;
    private final Adaptive adaptive;
    private final double autoRisk;
    private final int wave;
    private final int samplesPerCall;
    private final Executor executor;
    private final Ticker ticker;
    private final AsyncLimiter limiter;
    private final Listener listener;
    private final Shared shared;

    VotingEngine(Settings settings) {
        this(settings, new Shared(new AsyncLimiter(settings.maxConcurrency()), new Listener(settings.listener()),
                new AtomicLong()));
    }

    private VotingEngine(Settings settings, Shared shared) {
        this.settings = settings;
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
        this.autoRisk = settings.autoRisk();
        this.wave = settings.wave();
        this.samplesPerCall = Math.min(settings.samplesPerCall(), settings.maxConcurrency());
        this.executor = settings.executor() != null ? settings.executor() : DefaultPool.EXECUTOR;
        this.ticker = settings.ticker();
        this.shared = shared;
        this.limiter = shared.limiter();
        this.listener = shared.listener();
    }

    @Override
    public VotingGrm withAdaptive(Adaptive adaptive) {
        Objects.requireNonNull(adaptive, "adaptive");
        if (adaptive == this.adaptive) {
            return this;
        }
        Settings s = settings;
        return new VotingEngine(new Settings(s.grm(), s.k(), s.quorum(), s.seed(), s.sampling(), s.maxConcurrency(),
                s.retry(), s.callTimeout(), s.deadline(), s.shuffle(), adaptive, s.autoRisk(), s.wave(),
                s.samplesPerCall(), s.executor(), s.ticker(), s.listener()), shared);
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
        return verdict(request, requestSeed(request), samples, List.of(), samples.size(), quorum, false);
    }

    @Override
    public VoteResult revoteAdaptive(GrmRequest request, List<Judgement> samples, int k) {
        if (k < 1 || k > samples.size()) {
            throw new IllegalArgumentException("k must be in 1.." + samples.size() + ", was " + k);
        }
        List<Judgement> first = samples.subList(0, k);
        int budgetQuorum = k / 2 + 1;
        VoteResult full = revote(request, first, budgetQuorum);
        if (adaptive == Adaptive.OFF) {
            return full;
        }
        long requestSeed = requestSeed(request);
        List<List<SampleDesign.Group>> waves = design(requestSeed, request.size(), k, true);
        int run = 0;
        for (int w = 0; w < waves.size() - 1; w++) {
            run += waves.get(w).stream().mapToInt(SampleDesign.Group::count).sum();
            List<Judgement> valid = first.subList(0, run).stream().filter(Judgement::isScored).toList();
            if ((long) valid.size() * k >= (long) budgetQuorum * run
                    && StopRule.settled(adaptive, autoRisk, valid, request.size(), k - run, grm.scoreRange())) {
                return verdict(request, requestSeed, first.subList(0, run), List.of(), k, budgetQuorum, true);
            }
        }
        return full;
    }

    @Override
    public Adaptive adaptive() {
        return adaptive;
    }

    /**
     * The vote over {@code samples}: a tally when at least {@code quorum} are valid, or when an adaptive
     * rule {@code settled} it early (it checked the valid share itself), else NO_QUORUM.
     */
    private VoteResult verdict(GrmRequest request, long requestSeed, List<Judgement> samples,
                               List<VoteResult.SampleCall> calls, int requested, int quorum, boolean settled) {
        List<Judgement> valid = samples.stream().filter(Judgement::isScored).toList();
        double shared = samples.stream().flatMap(sample -> sample.promptSize().stream()).findFirst()
                .orElseGet(() -> rendered(request)).sharedShare();
        if (valid.size() < quorum && !settled) {
            return new VoteResult(VoteStatus.NO_QUORUM, "only " + valid.size() + " of " + samples.size()
                    + " samples were valid, quorum is " + quorum + VoteResult.describeFailures(samples),
                    null, samples, calls, requested, quorum, requestSeed, shared);
        }
        Tally tally = Tally.of(valid, request.size(), grm.scoreRange(), new SplittableRandom(Seeds.mix(requestSeed, 0)));
        return new VoteResult(VoteStatus.VOTED, null, tally, samples, calls, requested, quorum, requestSeed, shared);
    }

    /**
     * The prompt's size when no sample carries one (samples read back from a record, or all failed
     * before their prompt was rendered): rendered once, here. The share is the same for every order.
     */
    private Judgement.PromptSize rendered(GrmRequest request) {
        List<Integer> identity = java.util.stream.IntStream.range(0, request.size()).boxed().toList();
        return grm.template().render(request, identity, grm.scoreRange()).size();
    }

    @Override
    public VoteRecord record(GrmRequest request, VoteResult result) {
        long requestSeed = requestSeed(request);
        List<VoteRecord.Sample> samples = new ArrayList<>();
        List<Judgement> judgements = result.samples();
        List<VoteResult.SampleCall> calls = result.calls();
        for (int i = 0; i < judgements.size(); i++) {
            Judgement sample = judgements.get(i);
            VoteResult.SampleCall call = i < calls.size() ? calls.get(i)
                    : new VoteResult.SampleCall(i, samplingSeed(requestSeed, i), i, 0);
            samples.add(new VoteRecord.Sample(call.index(), sample.order(), call.seed(), call.call(), call.choice(),
                    sample.outcome().name(), sample.failure().orElse(null),
                    sample.isScored() ? sample.scores() : null, sample.usage().inputTokens(),
                    sample.usage().outputTokens(), sample.latency().toMillis()));
        }
        boolean voted = result.isVoted();
        int callCount = (int) samples.stream().mapToInt(VoteRecord.Sample::call).distinct().count();
        return new VoteRecord(grm.template().version(), grm.modelName(), sampling.temperature(),
                sampling.maxOutputTokens(), seed, requestSeed, k, quorum, shuffle != Shuffle.OFF,
                shuffle.name(), adaptive.name(), result.samplesRun(), callCount, grm.samplesInOneCall(),
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

    @Override
    public int queued() {
        return limiter.queuedPermits();
    }

    private long requestSeed(GrmRequest request) {
        return Seeds.request(seed, request.fingerprint());
    }

    static long samplingSeed(long requestSeed, int index) {
        return Seeds.sampling(requestSeed, index);
    }

    /**
     * The waves of one request: all k samples in one wave unless adaptive, so that every order's
     * samples go out as one call where the backend can.
     */
    List<List<SampleDesign.Group>> design(long requestSeed, int size) {
        return design(requestSeed, size, k, adaptive != Adaptive.OFF);
    }

    /** The design of a vote of {@code budget} samples, in waves or all in one. */
    private List<List<SampleDesign.Group>> design(long requestSeed, int size, int budget, boolean inWaves) {
        SampleDesign.Shuffle orders = switch (shuffle) {
            case BALANCED -> SampleDesign.Shuffle.BALANCED;
            case RANDOM -> SampleDesign.Shuffle.RANDOM;
            case OFF -> SampleDesign.Shuffle.OFF;
        };
        // A backend without native n gets one call per sample, each seeded by its index: then an adaptive
        // vote draws exactly the samples a full one would, whatever the waves.
        int perCall = grm.samplesInOneCall() ? samplesPerCall : 1;
        return SampleDesign.plan(requestSeed, budget, size, orders, wave, inWaves, perCall);
    }

    /**
     * The state of one request's vote: its design (waves of groups of samples that share an order), and
     * what each sample became. Its methods run on many threads; every change of state happens under the
     * object's lock, and futures are completed or cancelled outside it.
     */
    private final class RequestVote {
        /** This vote's number among the instance's, for the listener's events. */
        private final long id = shared.votes().getAndIncrement();
        private final GrmRequest request;
        private final long requestSeed;
        private final long deadlineAt;
        private final List<List<SampleDesign.Group>> waves;
        private final Judgement[] results = new Judgement[k];
        private final boolean[] closed = new boolean[k];
        /** Each sample's last failed attempt while a retry is pending: the cause a deadline would hide. */
        private final @Nullable Judgement[] lastFailure = new Judgement[k];
        private final long[] seeds = new long[k];
        private final int[] calls = new int[k];
        private final int[] choices = new int[k];
        private final Map<Integer, CompletableFuture<Void>> waiting = new HashMap<>();
        private final CompletableFuture<VoteResult> result = new CompletableFuture<>();
        private int wave = -1;
        private int waveOpen;
        private int callCount;
        private int run;
        private boolean stopped;
        private boolean settledEarly;

        RequestVote(GrmRequest request) {
            this.request = request;
            this.requestSeed = requestSeed(request);
            this.deadlineAt = deadline == null ? Long.MAX_VALUE : ticker.read() + deadline.toNanos();
            this.waves = design(requestSeed, request.size());
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
            List<SampleDesign.Group> first;
            synchronized (this) {
                first = nextWave();
            }
            first.forEach(group -> send(indices(group), group.order(), 1, List.of()));
            return result;
        }

        /** Opens the next wave: its groups, counted open. Under the lock. */
        private List<SampleDesign.Group> nextWave() {
            wave++;
            List<SampleDesign.Group> groups = waves.get(wave);
            for (SampleDesign.Group group : groups) {
                waveOpen += group.count();
                run += group.count();
            }
            return groups;
        }

        private List<Integer> indices(SampleDesign.Group group) {
            return group.samples();
        }

        /**
         * Queues one call for the samples {@code indices}, all in {@code order}; {@code previous} holds the
         * failures a retry replaces, index for index.
         */
        private void send(List<Integer> indices, List<Integer> order, int attempt, List<Judgement> previous) {
            int callId;
            CompletableFuture<Void> permit = limiter.acquire(indices.size());
            boolean abandoned = false;
            synchronized (this) {
                callId = callCount++;
                if (stopped) {
                    abandoned = true;
                } else {
                    waiting.put(callId, permit);
                }
            }
            if (abandoned) {
                giveBack(permit, indices.size());
                closeAll(indices, previous);
                return;
            }
            permit.thenRunAsync(() -> call(callId, indices, order, attempt, previous), executor);
        }

        private void giveBack(CompletableFuture<Void> permit, int count) {
            permit.cancel(false);
            if (!permit.isCancelled()) {
                limiter.release(count);
            }
        }

        private void call(int callId, List<Integer> indices, List<Integer> order, int attempt,
                          List<Judgement> previous) {
            boolean abandoned;
            synchronized (this) {
                waiting.remove(callId);
                abandoned = stopped;
            }
            int n = indices.size();
            if (abandoned) {
                limiter.release(n);
                closeAll(indices, previous);
                return;
            }
            long callSeed = samplingSeed(requestSeed, indices.get(0));
            synchronized (this) {
                for (int j = 0; j < n; j++) {
                    int index = indices.get(j);
                    seeds[index] = callSeed;
                    calls[index] = callId;
                    choices[index] = j;
                }
            }
            for (int index : indices) {
                listener.sampleStarted(new VotingListener.SampleStarted(id, index, attempt, n));
            }
            long sentAt = ticker.read();
            long timeoutNanos = Math.min(callTimeout.toNanos(), Math.max(1, deadlineAt - sentAt));
            CompletableFuture<List<Judgement>> pending;
            try {
                pending = grm.judgeAllAsync(request, sampling.withSeed(callSeed), order, n);
            } catch (RuntimeException e) {
                pending = CompletableFuture.completedFuture(
                        java.util.Collections.nCopies(n, Judgement.backendError(e, order, Duration.ZERO)));
            }
            pending.completeOnTimeout(null, timeoutNanos, TimeUnit.NANOSECONDS)
                    .whenComplete((judgements, error) -> {
                        limiter.release(n);
                        List<Judgement> samples;
                        if (judgements != null && judgements.size() == n) {
                            samples = judgements;
                        } else if (error == null && judgements == null && timeoutNanos < callTimeout.toNanos()) {
                            samples = new ArrayList<>();
                            for (int j = 0; j < n; j++) {
                                samples.add(Judgement.backendError(pastDeadline(indices.get(j)), order,
                                        Duration.ofNanos(timeoutNanos)));
                            }
                        } else {
                            samples = java.util.Collections.nCopies(n, Judgement.backendError(
                                    error != null ? error : judgements != null
                                            ? new IllegalStateException("the model answered " + judgements.size()
                                            + " judgements for " + n)
                                            : new TimeoutException("no answer within the call timeout of "
                                            + callTimeout.toMillis() + " ms"),
                                    order, Duration.ofNanos(timeoutNanos)));
                        }
                        Duration latency = Duration.ofNanos(Math.max(0, ticker.read() - sentAt));
                        settle(indices, order, attempt, samples, latency);
                    });
        }

        /**
         * Closes the samples of a call, or sends those worth retrying again as one call. Each sample's
         * finished event goes out before it closes, so that the last one precedes the vote's result.
         */
        private void settle(List<Integer> indices, List<Integer> order, int attempt, List<Judgement> samples,
                            Duration latency) {
            List<Integer> retry = new ArrayList<>();
            List<Judgement> failures = new ArrayList<>();
            Duration wait = null;
            for (int j = 0; j < indices.size(); j++) {
                Judgement sample = samples.get(j);
                Duration sampleWait = retryWait(sample, attempt);
                boolean again = sampleWait != null && !isStopped()
                        && ticker.read() + sampleWait.toNanos() < deadlineAt;
                listener.sampleFinished(new VotingListener.SampleFinished(id, indices.get(j), attempt,
                        sample.outcome(), sample.usage(), latency, again));
                if (again) {
                    synchronized (this) {
                        lastFailure[indices.get(j)] = sample;
                    }
                    retry.add(indices.get(j));
                    failures.add(sample);
                    wait = wait == null || sampleWait.compareTo(wait) > 0 ? sampleWait : wait;
                } else {
                    close(indices.get(j), sample);
                }
            }
            if (!retry.isEmpty()) {
                CompletableFuture.delayedExecutor(wait.toNanos(), TimeUnit.NANOSECONDS, executor)
                        .execute(() -> send(retry, order, attempt + 1, failures));
            }
        }

        private void closeAll(List<Integer> indices, List<Judgement> previous) {
            for (int j = 0; j < indices.size(); j++) {
                close(indices.get(j), previous.isEmpty() ? null : previous.get(j));
            }
        }

        /**
         * Ends sample {@code index} with {@code sample} (null: it never ran). When that closes its wave,
         * decides: stop (the adaptive rule is met, or nothing is left), or open the next wave.
         */
        private void close(int index, @Nullable Judgement sample) {
            List<SampleDesign.Group> next = List.of();
            boolean done = false;
            synchronized (this) {
                if (closed[index]) {
                    return;
                }
                closed[index] = true;
                results[index] = sample;
                if (--waveOpen > 0) {
                    return;
                }
                if (!stopped && wave < waves.size() - 1 && settled()) {
                    settledEarly = true;
                }
                if (stopped || wave == waves.size() - 1 || settledEarly) {
                    stopped = true;
                    done = true;
                } else {
                    next = nextWave();
                }
            }
            next.forEach(group -> send(indices(group), group.order(), 1, List.of()));
            if (done) {
                finish();
            }
        }

        /**
         * Whether the samples so far settle the vote: the adaptive rule is met, on at least the share of
         * valid samples the quorum asks of all k (so that stopping early never hides a failing judge).
         * Under the lock.
         */
        private boolean settled() {
            if (adaptive == Adaptive.OFF) {
                return false;
            }
            List<Judgement> valid = valid();
            if ((long) valid.size() * k < (long) quorum * run) {
                return false;
            }
            return StopRule.settled(adaptive, autoRisk, valid, request.size(), k - run, grm.scoreRange());
        }

        private @Nullable Duration retryWait(Judgement sample, int attempt) {
            if (sample.outcome() != Outcome.BACKEND_ERROR) {
                return null;
            }
            return retry.retryWait(attempt, sample.cause().orElse(null), ThreadLocalRandom.current().nextDouble())
                    .orElse(null);
        }

        /** At the deadline, samples still out count as failed, and the vote is taken over what came back. */
        private void expire() {
            List<Integer> out = new ArrayList<>();
            synchronized (this) {
                if (result.isDone()) {
                    return;
                }
                stopped = true;
                for (int i = 0; i < run; i++) {
                    if (!closed[i]) {
                        out.add(i);
                    }
                }
            }
            cancelWaiting();
            for (int index : out) {
                close(index, Judgement.backendError(pastDeadline(index), orderOf(index), deadline));
            }
        }

        /**
         * The failure of a sample the deadline cut. One that was being retried says why: a judge that
         * refuses, seen too late for its last answer to count, stays named.
         */
        private TimeoutException pastDeadline(int index) {
            @Nullable Judgement earlier;
            synchronized (this) {
                earlier = lastFailure[index];
            }
            String why = earlier == null ? "" : earlier.failure().map(text -> "; its last failed attempt: " + text)
                    .orElse("");
            return new TimeoutException("not done by the request deadline of " + deadline.toMillis() + " ms" + why);
        }

        private List<Integer> orderOf(int index) {
            for (List<SampleDesign.Group> groups : waves) {
                for (SampleDesign.Group group : groups) {
                    if (group.samples().contains(index)) {
                        return group.order();
                    }
                }
            }
            throw new IllegalStateException("sample " + index + " is in no group");
        }

        private void stop() {
            synchronized (this) {
                stopped = true;
            }
            cancelWaiting();
        }

        /**
         * Cancels the permits still queued; a call whose permit is cancelled never runs, and its samples
         * close when its queued stage sees the vote stopped.
         */
        private void cancelWaiting() {
            Map<Integer, CompletableFuture<Void>> pending;
            synchronized (this) {
                pending = new HashMap<>(waiting);
                waiting.clear();
            }
            pending.values().forEach(permit -> permit.cancel(false));
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
            List<VoteResult.SampleCall> provenance = new ArrayList<>();
            synchronized (this) {
                for (int i = 0; i < k; i++) {
                    if (results[i] != null) {
                        samples.add(results[i]);
                        provenance.add(new VoteResult.SampleCall(i, seeds[i], calls[i], choices[i]));
                    }
                }
            }
            result.complete(verdict(request, requestSeed, samples, provenance, k, quorum, settledEarly));
        }
    }

    /**
     * The builder's listener, guarded: an event must never break a vote, since the finished events fire in
     * the stage that closes samples and a throw there would leave the vote's future pending. The first
     * failure is logged at WARN, with its stack trace; later ones at DEBUG, so that a broken listener
     * does not flood the log at one line per sample.
     */
    private static final class Listener {
        private final VotingListener delegate;
        private final AtomicBoolean warned = new AtomicBoolean();

        Listener(VotingListener delegate) {
            this.delegate = delegate;
        }

        void sampleStarted(VotingListener.SampleStarted event) {
            try {
                delegate.sampleStarted(event);
            } catch (Throwable e) {
                failed("sampleStarted", e);
            }
        }

        void sampleFinished(VotingListener.SampleFinished event) {
            try {
                delegate.sampleFinished(event);
            } catch (Throwable e) {
                failed("sampleFinished", e);
            }
        }

        private void failed(String method, Throwable e) {
            if (warned.compareAndSet(false, true)) {
                log.warn("voting listener {} threw in {}; the vote carries on, and later failures of this "
                        + "listener are logged at DEBUG", delegate.getClass().getName(), method, e);
            } else {
                log.debug("voting listener {} threw in {}", delegate.getClass().getName(), method, e);
            }
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
