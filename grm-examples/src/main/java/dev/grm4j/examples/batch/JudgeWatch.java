package dev.grm4j.examples.batch;

import dev.grm4j.core.backend.BackendConnectException;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.internal.Futures;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells a batch command ({@code grm score}, {@code eval}, {@code rft}) that there is no judge to talk
 * to, so that it stops early instead of writing thousands of failures.
 *
 * <p>The judge is unreachable when a call fails in a way that says nothing answers there, or that
 * nothing will be allowed to: a refused connection, an unknown host or no route to it
 * ({@link BackendConnectException}), or HTTP 401, 403 or 404 (a bad key, a forbidden model, a wrong
 * URL or model name). It is also given up on after {@value #CONSECUTIVE_FAILURES} calls in a row that
 * failed after their retries for any other reason (500s, timeouts, deadlines): one answer in between,
 * even an unparseable one, proves the judge is there and resets the count.
 *
 * <p>Once stopped, it stays stopped: calls through {@link #watching(LlmBackend)} fail at once without
 * being sent, and the calls still out are cancelled, so the command drains in moments. The first reason
 * wins and is the command's one message. Thread-safe.
 */
public final class JudgeWatch {

    /** Calls in a row that failed after their retries, for any reason, before the judge is given up on. */
    public static final int CONSECUTIVE_FAILURES = 8;

    /** HTTP statuses that no retry or wait can change: the key, the permission, the address. */
    private static final Set<Integer> REFUSALS = Set.of(401, 403, 404);

    private final int limit;
    private final Set<CompletableFuture<Completion>> inFlight = ConcurrentHashMap.newKeySet();
    private volatile String stopReason;
    private int streak;

    public JudgeWatch() {
        this(CONSECUTIVE_FAILURES);
    }

    /** @param limit failed calls in a row that stop the run, >= 1 */
    public JudgeWatch(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, was " + limit);
        }
        this.limit = limit;
    }

    /**
     * {@code backend}, watched: a call that fails because the judge is unreachable stops the run at once
     * (retries and the rest of the batch would only meet the same answer); after the stop, calls fail
     * without being sent.
     */
    public LlmBackend watching(LlmBackend backend) {
        return new Watched(Objects.requireNonNull(backend, "backend"));
    }

    /** A call got an answer (whatever it says): the judge is there. */
    public synchronized void answered() {
        streak = 0;
    }

    /** A call failed for good, after its retries; {@code failure} says why. */
    public void failed(Throwable failure) {
        Optional<String> unreachable = unreachable(failure);
        if (unreachable.isPresent()) {
            stop(unreachable.get());
        } else {
            failed(message(failure));
        }
    }

    /** A sample or item failed for good; {@code reason} is its failure text (from a judgement or vote). */
    public void failed(String reason) {
        boolean giveUp;
        synchronized (this) {
            giveUp = ++streak >= limit;
        }
        if (giveUp) {
            stop(limit + " judge calls in a row failed, the last: " + reason);
        }
    }

    public boolean stopped() {
        return stopReason != null;
    }

    /** Why the run stopped: the judge's failure, e.g. "could not connect to http://...: connection refused". */
    public Optional<String> reason() {
        return Optional.ofNullable(stopReason);
    }

    /**
     * The one line a stopped command prints on standard error, e.g. {@code "error: stopped early, the
     * judge is unreachable: could not connect to http://127.0.0.1:9/v1/chat/completions: connection
     * refused; 12 lines written"}.
     *
     * @param progress what was done and kept, in the command's words
     */
    public String stopMessage(String progress) {
        return "error: stopped early, the judge is unreachable: " + reason().orElse("(not stopped)") + "; "
                + progress;
    }

    /** Stops the run for {@code reason}, unless it was stopped already; cancels the calls still out. */
    void stop(String reason) {
        synchronized (this) {
            if (stopReason != null) {
                return;
            }
            stopReason = Objects.requireNonNull(reason, "reason");
        }
        for (CompletableFuture<Completion> call : inFlight) {
            call.completeExceptionally(notSent("abandoned"));
        }
    }

    /** The reason a failure says the judge is unreachable, or empty when a later call may fare better. */
    static Optional<String> unreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BackendConnectException) {
                return Optional.of(message(t));
            }
            if (t instanceof BackendException backend && backend.statusCode().isPresent()
                    && REFUSALS.contains(backend.statusCode().getAsInt())) {
                return Optional.of(message(t));
            }
        }
        return Optional.empty();
    }

    private BackendException notSent(String what) {
        return new BackendException(what + ": the run is stopping, the judge is unreachable: " + stopReason, null,
                false, OptionalInt.empty(), Optional.empty());
    }

    private static String message(Throwable failure) {
        return failure.getMessage() != null ? failure.getMessage() : failure.toString();
    }

    /** The backend a watched command calls. */
    private final class Watched implements LlmBackend {
        private final LlmBackend backend;

        Watched(LlmBackend backend) {
            this.backend = backend;
        }

        @Override
        public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
            if (stopped()) {
                return CompletableFuture.failedFuture(notSent("not sent"));
            }
            CompletableFuture<Completion> sent = send(request);
            CompletableFuture<Completion> call = new CompletableFuture<>();
            inFlight.add(call);
            sent.whenComplete((completion, error) -> {
                if (error == null) {
                    call.complete(completion);
                    return;
                }
                Throwable cause = Futures.unwrap(error);
                unreachable(cause).ifPresent(JudgeWatch.this::stop);
                call.completeExceptionally(cause);
            });
            // However the call ends (answered, stopped, cancelled by the caller), the exchange ends with it.
            call.whenComplete((completion, error) -> {
                inFlight.remove(call);
                sent.cancel(true);
            });
            if (stopped()) {
                call.completeExceptionally(notSent("abandoned"));
            }
            return call;
        }

        private CompletableFuture<Completion> send(CompletionRequest request) {
            try {
                return backend.completeAsync(request);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public String modelName() {
            return backend.modelName();
        }

        @Override
        public String toString() {
            return backend.toString();
        }
    }
}
