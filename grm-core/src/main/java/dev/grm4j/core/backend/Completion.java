package dev.grm4j.core.backend;

import dev.grm4j.core.TokenUsage;

import java.util.Objects;

/**
 * What a backend answered.
 *
 * @param text         the assistant's text, without any separately reported reasoning; never null
 * @param usage        token counts as the provider reported them
 * @param finishReason why generation stopped
 */
public record Completion(String text, TokenUsage usage, FinishReason finishReason) {

    public Completion {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(finishReason, "finishReason");
    }

    /** Why the model stopped writing. */
    public enum FinishReason {
        /** It finished, or hit a stop sequence. */
        STOP,
        /** It ran into the output budget: the text is cut off. */
        LENGTH,
        /** Anything else the provider reported (content filter, tool call, unknown). */
        OTHER
    }
}
