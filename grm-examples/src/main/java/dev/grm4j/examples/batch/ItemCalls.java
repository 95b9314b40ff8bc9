package dev.grm4j.examples.batch;

import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.internal.Futures;
import dev.grm4j.voting.RetryPolicy;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The judge's backend as one item of {@code grm score} or {@code grm rft} sees it: the one retry layer
 * of those commands, and the item's deadline. ({@code grm eval} and {@code grm serve} vote, and
 * {@code VotingGrm} retries and keeps deadlines there; nothing else retries, so retries never multiply.)
 *
 * <p>A call that fails in a way a later try may pass (429, 5xx, a timeout, a refused connection) is sent
 * again after the {@link RetryPolicy}'s backoff, never sooner than the server's Retry-After. For a
 * backend without a timeout of its own (the embedded and simulated ones), each attempt gets the call
 * timeout here. At the
 * deadline, counted from when this view was made (the item's start), every call still out is
 * cancelled (which aborts its HTTP exchange) and fails with a non-retriable {@link BackendException}
 * naming the deadline, and no retry starts that would end after it. Each call's final outcome, after
 * its retries, goes to the {@link JudgeWatch}.
 *
 * <p>Thread-safe. Call {@link #finish()} when the item is done, so the deadline timer lets go of it.
 */
public final class ItemCalls implements LlmBackend {

    /** One daemon thread for every item's retry waits and deadline in the JVM: the tasks only hand off. */
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final LlmBackend backend;
    private final RetryPolicy retry;
    private final Duration callTimeout;
    private final JudgeWatch watch;
    private final Duration deadline;
    private final long deadlineAt;
    private final Set<Chain> live = ConcurrentHashMap.newKeySet();
    private final ScheduledFuture<?> expiry;
    private volatile boolean expired;

    /**
     * @param backend  the judge's backend (never one that retries by itself)
     * @param retry    how failed calls are retried
     * @param deadline the most the item may take, retries and waits included
     * @param watch    receives each call's final outcome
     */
    public ItemCalls(LlmBackend backend, RetryPolicy retry, Duration deadline, JudgeWatch watch) {
        this(backend, retry, null, deadline, watch);
    }

    /**
     * @param backend     the judge's backend (never one that retries by itself)
     * @param retry       how failed calls are retried
     * @param callTimeout the most one attempt may take, for a backend without a timeout of its own (it
     *                    is cancelled and retried like a timeout); null when the backend keeps one
     * @param deadline    the most the item may take, retries and waits included
     * @param watch       receives each call's final outcome
     */
    public ItemCalls(LlmBackend backend, RetryPolicy retry, Duration callTimeout, Duration deadline, JudgeWatch watch) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.retry = Objects.requireNonNull(retry, "retry");
        this.callTimeout = callTimeout;
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        this.watch = Objects.requireNonNull(watch, "watch");
        this.deadlineAt = System.nanoTime() + deadline.toNanos();
        this.expiry = TIMER.schedule(this::expire, deadline.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
        Objects.requireNonNull(request, "request");
        Chain chain = new Chain(request);
        live.add(chain);
        chain.result.whenComplete((completion, failure) -> {
            live.remove(chain);
            if (chain.result.isCancelled()) {
                chain.abort();
            }
        });
        if (expired) {
            chain.expire();
        } else {
            chain.attempt(1);
        }
        return chain.result;
    }

    @Override
    public String modelName() {
        return backend.modelName();
    }

    /** The item is done: its deadline timer is cancelled. Calls still out (there should be none) go on. */
    public void finish() {
        expiry.cancel(false);
    }

    /** Runs on the timer at the deadline: what is still out fails now. */
    private void expire() {
        expired = true;
        for (Chain chain : live) {
            chain.expire();
        }
    }

    /** The message of a call the deadline cut: says which option to raise. */
    private String deadlineMessage() {
        return "no judgement within the item deadline of " + seconds(deadline) + " (--deadline)";
    }

    static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis / 1000.0 + " s";
    }

    /** One call and its retries; {@code result} is settled once, by the answer, the last failure or the deadline. */
    private final class Chain {
        private final CompletionRequest request;
        private final CompletableFuture<Completion> result = new CompletableFuture<>();
        private volatile CompletableFuture<Completion> current;

        Chain(CompletionRequest request) {
            this.request = request;
        }

        void attempt(int attempt) {
            if (result.isDone()) {
                return;
            }
            CompletableFuture<Completion> sent;
            try {
                sent = backend.completeAsync(request);
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            current = sent;
            if (result.isDone()) {
                // Expired or cancelled while sending.
                sent.cancel(true);
                return;
            }
            timed(sent).whenComplete((completion, error) -> {
                if (error == null) {
                    if (result.complete(completion)) {
                        watch.answered();
                    }
                    return;
                }
                Throwable cause = Futures.unwrap(error);
                Optional<Duration> wait = watch.stopped() ? Optional.empty()
                        : retry.retryWait(attempt, cause, ThreadLocalRandom.current().nextDouble());
                if (wait.isPresent() && System.nanoTime() + wait.get().toNanos() - deadlineAt < 0) {
                    TIMER.schedule(() -> attempt(attempt + 1), wait.get().toNanos(), TimeUnit.NANOSECONDS);
                } else if (result.completeExceptionally(cause)) {
                    watch.failed(cause);
                }
            });
        }

        /** {@code sent}, failing with a retriable timeout (and cancelled) after the call timeout, if one is set. */
        private CompletableFuture<Completion> timed(CompletableFuture<Completion> sent) {
            if (callTimeout == null) {
                return sent;
            }
            CompletableFuture<Completion> outcome = new CompletableFuture<>();
            ScheduledFuture<?> timer = TIMER.schedule(() -> {
                if (outcome.completeExceptionally(new TimeoutException("no answer within the call timeout of "
                        + callTimeout.toMillis() + " ms (--timeout)"))) {
                    sent.cancel(true);
                }
            }, callTimeout.toNanos(), TimeUnit.NANOSECONDS);
            sent.whenComplete((completion, error) -> {
                timer.cancel(false);
                if (error == null) {
                    outcome.complete(completion);
                } else {
                    outcome.completeExceptionally(error);
                }
            });
            return outcome;
        }

        void expire() {
            BackendException late = new BackendException(deadlineMessage(), null, false, OptionalInt.empty(),
                    Optional.empty());
            if (result.completeExceptionally(late)) {
                watch.failed(late);
            }
            abort();
        }

        void abort() {
            CompletableFuture<Completion> sent = current;
            if (sent != null) {
                sent.cancel(true);
            }
        }
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "grm-item-calls");
            thread.setDaemon(true);
            return thread;
        });
        // A finished item's deadline must not stay queued, holding the item, until it would have fired.
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }
}
