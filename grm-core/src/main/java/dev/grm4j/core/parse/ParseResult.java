package dev.grm4j.core.parse;

import dev.grm4j.core.Principle;

import java.util.List;
import java.util.Objects;

/** What {@link GrmOutputParser} made of one model output: either everything it needs, or why not. */
public sealed interface ParseResult permits ParseResult.Parsed, ParseResult.Failed {

    /**
     * A well-formed output.
     *
     * @param principles the criteria, weights normalized to sum to 1; empty only when the caller
     *                   supplied the principles and the model did not restate them
     * @param critique   the analysis text, never blank
     * @param scores     one in-range score per response, in the order the responses were presented
     */
    record Parsed(List<Principle> principles, String critique, List<Integer> scores) implements ParseResult {
        public Parsed {
            principles = List.copyOf(principles);
            Objects.requireNonNull(critique, "critique");
            scores = List.copyOf(scores);
        }
    }

    /**
     * An output that could not be read.
     *
     * @param reason lowercase, names the rule and the offending value, e.g. "expected 2 scores, found 3"
     */
    record Failed(String reason) implements ParseResult {
        public Failed {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
