package dev.grm4j.core.backend;

/** Why the model stopped writing. */
public enum FinishReason {
    /** It finished, or hit a stop sequence. */
    STOP,
    /** It ran into the output budget: the text is cut off. */
    LENGTH,
    /** Anything else the provider reported (content filter, tool call, unknown). */
    OTHER
}
