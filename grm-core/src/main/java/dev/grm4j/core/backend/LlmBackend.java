package dev.grm4j.core.backend;

import java.util.concurrent.CompletableFuture;

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
     * Calls the model and blocks until it answers.
     *
     * @throws BackendException when the call fails; its cause is the provider's exception
     */
    Completion complete(CompletionRequest request);

    /**
     * Calls the model without blocking the caller. The future completes with the answer, or
     * exceptionally with a {@link BackendException}. Cancelling the future abandons the call where the
     * implementation can; see each implementation for which threads run the call.
     */
    CompletableFuture<Completion> completeAsync(CompletionRequest request);

    /** The model's name, as recorded in judgements and reproducibility records. */
    String modelName();
}
