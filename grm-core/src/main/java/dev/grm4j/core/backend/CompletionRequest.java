package dev.grm4j.core.backend;

import dev.grm4j.core.Message;
import dev.grm4j.core.SamplingOptions;

import java.util.List;
import java.util.Objects;

/**
 * One call to a backend: the chat messages and how to sample.
 *
 * @param messages the prompt, at least one message
 * @param sampling temperature, output budget, seed and stop sequences
 */
public record CompletionRequest(List<Message> messages, SamplingOptions sampling) {

    public CompletionRequest {
        messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
        Objects.requireNonNull(sampling, "sampling");
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("messages is empty: a completion needs a prompt");
        }
    }
}
