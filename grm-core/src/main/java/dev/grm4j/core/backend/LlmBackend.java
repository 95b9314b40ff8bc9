package dev.grm4j.core.backend;

import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.internal.Futures;
import dev.grm4j.core.internal.Seeds;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * One LLM the judge can call. Implementations write one method, {@link #completeAsync}; the blocking
 * {@link #complete} joins it. Implementations must be thread-safe: a voting model calls one backend
 * from many threads at once.
 *
 * <p>A failed call completes exceptionally with a {@link BackendException}; an answer cut off by the
 * output budget is <em>not</em> a failure here: it comes back with {@link Completion.FinishReason#LENGTH}
 * and the judge decides what it is worth.
 */
public interface LlmBackend {

    /**
     * Calls the model and blocks until it answers: {@link #completeAsync}, joined in the one place
     * where every SPI's blocking form unwraps ({@code core.internal.Futures.join}), so that every
     * backend fails the same way.
     *
     * @throws BackendException when the call fails, the same exception the async future fails with; when
     *                          the thread is interrupted, a non-retriable one: the call is cancelled and
     *                          the interrupt flag is kept (a retry loop must not retry an interrupt)
     */
    default Completion complete(CompletionRequest request) {
        try {
            return Futures.join(completeAsync(request), "call to " + modelName());
        } catch (CancellationException e) {
            if (!Thread.currentThread().isInterrupted()) {
                throw e;
            }
            throw new BackendException("interrupted while waiting for " + modelName(), e.getCause(), false,
                    OptionalInt.empty(), Optional.empty());
        }
    }

    /**
     * Calls the model without blocking the caller. The future completes with the answer, or
     * exceptionally with a {@link BackendException}. Cancelling the future abandons the call where the
     * implementation can; see each implementation for which threads run the call.
     */
    CompletableFuture<Completion> completeAsync(CompletionRequest request);

    /**
     * Checks cheaply that the model answers, for a server's readiness probe. By default a call for one
     * token of a one-line prompt; a backend with a cheaper check, or one that runs in process, overrides
     * it. The future completes normally when the model answered, else exceptionally with the cause.
     */
    default CompletableFuture<Void> probeAsync() {
        CompletionRequest ping = new CompletionRequest(
                List.of(new dev.grm4j.core.Message(dev.grm4j.core.Message.Role.USER, "Reply with OK.")),
                new SamplingOptions(0.0, 1, java.util.OptionalLong.empty(), List.of()));
        try {
            return completeAsync(ping).thenApply(answered -> null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Samples {@code request.n()} completions of one prompt, each its own sample, one future per
     * completion in choice order. By default that is n calls of {@link #completeAsync}, each for one
     * completion, the i-th seeded {@code Seeds.choice(seed, i)} (the request's seed for the first, so
     * n = 1 is exactly one plain call); their failures are their own. A backend that can sample n
     * completions in one call (OpenAI-compatible servers: vLLM and SGLang prefill the prompt once for
     * all n, OpenAI bills it once) overrides this and {@link #samplesInOneCall()}; its futures then
     * succeed or fail together.
     */
    default List<CompletableFuture<Completion>> completeAllAsync(CompletionRequest request) {
        List<CompletableFuture<Completion>> completions = new ArrayList<>(request.n());
        SamplingOptions sampling = request.sampling();
        for (int i = 0; i < request.n(); i++) {
            SamplingOptions choice = sampling.seed().isPresent() && i > 0
                    ? sampling.withSeed(Seeds.choice(sampling.seed().getAsLong(), i)) : sampling;
            try {
                completions.add(completeAsync(request.withN(1).withSampling(choice)));
            } catch (RuntimeException e) {
                completions.add(CompletableFuture.failedFuture(e));
            }
        }
        return completions;
    }

    /**
     * Whether {@link #completeAllAsync} answers n completions with one call of the model (one prompt
     * prefilled and billed once); false by default. Reproducibility records say which it was.
     */
    default boolean samplesInOneCall() {
        return false;
    }

    /** The model's name, as recorded in judgements and reproducibility records. */
    String modelName();
}
