package dev.grm4j.core.backend;

import dev.grm4j.core.Message;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.ScoreRange;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One call to a backend: the chat messages, how to sample, and the facts the caller already knows
 * about the answer it wants, so that a backend never re-reads the prompt text to learn them (a
 * grammar-constrained backend needs the number of responses and the score range; a batching or
 * prefix-caching one, how many samples of the prompt are coming).
 *
 * @param messages the prompt, at least one message
 * @param sampling temperature, output budget, seed and stop sequences
 * @param output   the judgement this call must write, for a GRM prompt; empty for a free-text call
 *                 (principle generation, meta judging)
 * @param n        how many completions of this prompt the caller wants, >= 1: what
 *                 {@link LlmBackend#completeAllAsync} returns ({@link LlmBackend#completeAsync} answers
 *                 one, whatever n says)
 * @param affinity a key that stays the same for every call of one request's samples, so that a
 *                 prefix-aware router can keep them on one replica; empty when the caller has none
 */
public record CompletionRequest(List<Message> messages, SamplingOptions sampling, Optional<OutputSpec> output,
                                int n, Optional<String> affinity) {

    public CompletionRequest {
        messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(affinity, "affinity");
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("messages is empty: a completion needs a prompt");
        }
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, was " + n);
        }
    }

    /** A free-text call: no output spec, one sample, no affinity key. */
    public CompletionRequest(List<Message> messages, SamplingOptions sampling) {
        this(messages, sampling, Optional.empty(), 1, Optional.empty());
    }

    /** A call without an affinity key. */
    public CompletionRequest(List<Message> messages, SamplingOptions sampling, Optional<OutputSpec> output, int n) {
        this(messages, sampling, output, n, Optional.empty());
    }

    /** This request for {@code n} completions. */
    public CompletionRequest withN(int n) {
        return new CompletionRequest(messages, sampling, output, n, affinity);
    }

    /** This request with other sampling options (for one completion of several: its own seed). */
    public CompletionRequest withSampling(SamplingOptions sampling) {
        return new CompletionRequest(messages, sampling, output, n, affinity);
    }

    /**
     * What a GRM call must write: one integer score in {@code range} per response, in the order the
     * responses were presented.
     *
     * @param responses the responses as the prompt presents them, position 1 first; at least one
     * @param range     the scores the judge may give
     */
    public record OutputSpec(List<String> responses, ScoreRange range) {

        public OutputSpec {
            responses = List.copyOf(Objects.requireNonNull(responses, "responses"));
            Objects.requireNonNull(range, "range");
            if (responses.isEmpty()) {
                throw new IllegalArgumentException("responses is empty: a judgement scores at least one");
            }
        }

        /** The number of scores the answer must hold. */
        public int size() {
            return responses.size();
        }
    }
}
