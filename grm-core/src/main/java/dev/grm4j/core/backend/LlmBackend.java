package dev.grm4j.core.backend;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * One LLM the judge can call. Implementations must be thread-safe: a voting model calls one backend
 * from many threads at once.
 *
 * <p>A failed call throws (or completes exceptionally with) a {@link BackendException}; an answer cut
 * off by the output budget is <em>not</em> a failure here: it comes back with
 * {@link FinishReason#LENGTH} and the judge decides what it is worth.
 */
public interface LlmBackend {

    /**
     * Calls the model and blocks until it answers. By default this waits for {@link #completeAsync}:
     * the one place where a blocking call joins and unwraps, so that every backend fails the same way.
     * A backend that calls a blocking client anyway may override it.
     *
     * @throws BackendException when the call fails, the same exception the async future fails with; when
     *                          the thread is interrupted, a non-retriable one, the call is cancelled and
     *                          the interrupt flag is kept
     */
    default Completion complete(CompletionRequest request) {
        CompletableFuture<Completion> call = completeAsync(request);
        try {
            return call.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new BackendException("call to " + modelName() + " failed: " + Failures.describe(e.getCause()),
                    e.getCause(), false, OptionalInt.empty(), Optional.empty());
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted while waiting for " + modelName(), e, false, OptionalInt.empty(),
                    Optional.empty());
        }
    }

    /**
     * Calls the model without blocking the caller. The future completes with the answer, or
     * exceptionally with a {@link BackendException}. Cancelling the future abandons the call where the
     * implementation can; see each implementation for which threads run the call.
     */
    CompletableFuture<Completion> completeAsync(CompletionRequest request);

    /** The model's name, as recorded in judgements and reproducibility records. */
    String modelName();
}
