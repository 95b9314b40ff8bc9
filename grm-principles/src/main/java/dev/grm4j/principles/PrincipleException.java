package dev.grm4j.principles;

import dev.grm4j.core.GrmException;
import dev.grm4j.core.Outcome;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Principles could not be obtained: the principle call failed ({@link Outcome#BACKEND_ERROR}, with the
 * backend's exception as the cause) or its answer, or a principle text, held no usable principle
 * ({@link Outcome#UNPARSEABLE}, with the text). Never an empty list instead: a judge given no
 * principles would silently fall back to writing its own.
 *
 * <p>{@link PrincipledGrm} turns it into a failed judgement of the same outcome.
 */
public class PrincipleException extends GrmException {

    private static final long serialVersionUID = 1L;

    private final Outcome outcome;
    private final String rawOutput;

    /**
     * @param outcome   {@link Outcome#UNPARSEABLE} or {@link Outcome#BACKEND_ERROR}
     * @param reason    lowercase, names the rule and the offending value
     * @param rawOutput the text that held no usable principle; empty when there was none
     * @param cause     the backend's exception, or null
     * @throws IllegalArgumentException if {@code outcome} is another outcome
     */
    public PrincipleException(Outcome outcome, String reason, String rawOutput, @Nullable Throwable cause) {
        super(Objects.requireNonNull(reason, "reason"), cause);
        this.outcome = Objects.requireNonNull(outcome, "outcome");
        this.rawOutput = Objects.requireNonNull(rawOutput, "rawOutput");
        if (outcome != Outcome.UNPARSEABLE && outcome != Outcome.BACKEND_ERROR) {
            throw new IllegalArgumentException("outcome must be UNPARSEABLE or BACKEND_ERROR, was " + outcome);
        }
    }

    /** {@link Outcome#UNPARSEABLE} or {@link Outcome#BACKEND_ERROR}. */
    public Outcome outcome() {
        return outcome;
    }

    /** Why no principle came out, e.g. "no principles under 'Specific Criteria'". */
    public String reason() {
        return getMessage();
    }

    /** The text that held no usable principle; empty for a backend failure. */
    public String rawOutput() {
        return rawOutput;
    }
}
