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
 * @param n        how many samples of this exact prompt (same messages) the caller wants, this call
 *                 included, >= 1. Each call still returns one completion; a backend may use it to
 *                 batch the samples or keep the prompt's cache for them
 */
public record CompletionRequest(List<Message> messages, SamplingOptions sampling, Optional<OutputSpec> output,
                                int n) {

    public CompletionRequest {
        messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(output, "output");
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("messages is empty: a completion needs a prompt");
        }
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, was " + n);
        }
    }

    /** A free-text call: no output spec, one sample. */
    public CompletionRequest(List<Message> messages, SamplingOptions sampling) {
        this(messages, sampling, Optional.empty(), 1);
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
