package dev.grm4j.principles;

import dev.grm4j.core.internal.Permutations;
import dev.grm4j.core.internal.Futures;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.JudgementFailedException;
import dev.grm4j.core.Outcome;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.Principle;
import dev.grm4j.core.Reward;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.ScoreRange;
import dev.grm4j.core.Ticker;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.prompt.PromptTemplate;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * A {@link PointwiseGrm} that judges with the principles of a {@link PrincipleStrategy}: each judgement
 * first asks the strategy for the request's principles, attaches them
 * ({@code request.toBuilder().principles(...)}), then delegates. Whatever wraps it samples with them:
 * every sample of a vote, and every rollout of an RL prompt, shares the strategy's principles.
 *
 * <pre>{@code
 * PointwiseGrm grm = PrincipledGrm.of(PointwiseGrm.builder(backend).build(), PrincipleStrategy.preset("math"));
 * VotingGrm voting = VotingGrm.builder(grm).k(8).build();
 * }</pre>
 *
 * <p><b>Per-request choice.</b> A request that already carries principles keeps them, and the strategy
 * is not asked: the caller's choice for one request wins over the choice made for the model.
 *
 * <p><b>Failures are judgements.</b> When the strategy cannot supply principles, the judgement fails
 * with the same outcome and never falls back to self-generated principles: a principle call that
 * failed is {@link Outcome#BACKEND_ERROR} (its cause a {@link BackendException} that keeps the original
 * one's retriable flag, status and Retry-After, so voting retries it), an unusable answer is
 * {@link Outcome#UNPARSEABLE} with the principle call's text as raw output. Their reasons start with
 * "principle generation failed: ". Principle tokens are not added to judgements (one call serves many):
 * read them from {@link PrincipleStrategy#stats()}.
 *
 * <p>Thread-safe when the delegate and the strategy are.
 */
public final class PrincipledGrm implements PointwiseGrm {

    /** Starts the reason of every judgement that failed for want of principles. */
    public static final String FAILURE_PREFIX = "principle generation failed: ";

    private final PointwiseGrm grm;
    private final PrincipleStrategy strategy;
    private final Ticker ticker;

    private PrincipledGrm(PointwiseGrm grm, PrincipleStrategy strategy, Ticker ticker) {
        this.grm = Objects.requireNonNull(grm, "grm");
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /** Judges with {@code grm}, using the principles of {@code strategy}. */
    public static PrincipledGrm of(PointwiseGrm grm, PrincipleStrategy strategy) {
        return of(grm, strategy, Ticker.system());
    }

    /**
     * As {@link #of(PointwiseGrm, PrincipleStrategy)}, timing the latency of a judgement that failed
     * for want of principles with {@code ticker} (the delegate times its own calls).
     */
    public static PrincipledGrm of(PointwiseGrm grm, PrincipleStrategy strategy, Ticker ticker) {
        return new PrincipledGrm(grm, strategy, ticker);
    }

    @Override
    public CompletableFuture<List<Judgement>> judgeAllAsync(GrmRequest request, SamplingOptions sampling,
                                                            List<Integer> order, int n) {
        check(request, sampling, order);
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, was " + n);
        }
        if (!request.principles().isEmpty()) {
            return grm.judgeAllAsync(request, sampling, order, n);
        }
        long start = ticker.read();
        return principlesFor(request).handle((list, error) -> {
            if (error != null) {
                return CompletableFuture.completedFuture(Collections.nCopies(n, failed(Futures.unwrap(error), order, start)));
            }
            try {
                return grm.judgeAllAsync(attach(request, list), sampling, order, n);
            } catch (RuntimeException e) {
                return CompletableFuture.completedFuture(
                        Collections.nCopies(n, Judgement.backendError(e, order, since(start))));
            }
        }).thenCompose(Function.identity());
    }

    /** The delegate's answer: principles change the prompt, not how its samples are called. */
    @Override
    public boolean samplesInOneCall() {
        return grm.samplesInOneCall();
    }

    /**
     * {@inheritDoc} The delegate's reward of the request with the strategy's principles attached.
     * The future also fails with a {@link JudgementFailedException} when no principles could be
     * obtained; it carries the failed judgement.
     */
    @Override
    public CompletableFuture<Reward> rewardAsync(GrmRequest request) {
        Objects.requireNonNull(request, "request");
        checkRequest(request);
        if (!request.principles().isEmpty()) {
            return grm.rewardAsync(request);
        }
        long start = ticker.read();
        return principlesFor(request).handle((list, error) -> error != null
                ? CompletableFuture.<Reward>failedFuture(new JudgementFailedException(
                        failed(Futures.unwrap(error), identity(request.size()), start)))
                : grm.rewardAsync(attach(request, list))).thenCompose(Function.identity());
    }

    @Override
    public int maxResponses() {
        return grm.maxResponses();
    }

    @Override
    public void checkRequest(GrmRequest request) {
        grm.checkRequest(request);
    }

    @Override
    public ScoreRange scoreRange() {
        return grm.scoreRange();
    }

    @Override
    public PromptTemplate template() {
        return grm.template();
    }

    @Override
    public String modelName() {
        return grm.modelName();
    }

    /** Where the principles come from. */
    public PrincipleStrategy strategy() {
        return strategy;
    }

    /** The model that judges. */
    public PointwiseGrm delegate() {
        return grm;
    }

    @Override
    public String toString() {
        return "PrincipledGrm[" + strategy.name() + ", " + grm.modelName() + "]";
    }

    private static GrmRequest attach(GrmRequest request, List<Principle> principles) {
        return principles.isEmpty() ? request : request.toBuilder().principles(principles).build();
    }

    /** The checks the delegate makes, made before any principle call. */
    private void check(GrmRequest request, SamplingOptions sampling, List<Integer> order) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(order, "order");
        checkRequest(request);
        Permutations.requirePermutation(order, request.size());
    }

    /** The strategy's principles; a strategy that throws instead of failing its future fails it here. */
    private CompletableFuture<List<Principle>> principlesFor(GrmRequest request) {
        try {
            return strategy.principlesAsync(request);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Duration since(long start) {
        return Duration.ofNanos(Math.max(0, ticker.read() - start));
    }

    private Judgement failed(Throwable error, List<Integer> order, long start) {
        Duration latency = since(start);
        if (error instanceof PrincipleException failure && failure.outcome() == Outcome.UNPARSEABLE) {
            return Judgement.unparseable(FAILURE_PREFIX + failure.reason(), failure.rawOutput(), order,
                    TokenUsage.ZERO, latency);
        }
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        BackendException backend = backendCause(error);
        BackendException cause = backend == null
                ? new BackendException(FAILURE_PREFIX + message, error, false, OptionalInt.empty(), Optional.empty())
                : new BackendException(FAILURE_PREFIX + message, error, backend.isRetriable(), backend.statusCode(),
                        backend.retryAfter());
        return Judgement.backendError(cause, order, latency);
    }

    private static @Nullable BackendException backendCause(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof BackendException backend) {
                return backend;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return null;
    }

    private static List<Integer> identity(int size) {
        return IntStream.range(0, size).boxed().toList();
    }
}
