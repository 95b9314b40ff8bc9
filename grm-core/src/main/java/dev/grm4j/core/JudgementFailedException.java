package dev.grm4j.core;

/**
 * Thrown where a caller asked for scores and the judgement has none: it was
 * {@link Outcome#UNPARSEABLE}, {@link Outcome#TRUNCATED} or {@link Outcome#BACKEND_ERROR}.
 * The judgement, with the raw output and the cause, travels with the exception.
 */
public class JudgementFailedException extends GrmException {

    private static final long serialVersionUID = 1L;

    private final transient Judgement judgement;

    public JudgementFailedException(Judgement judgement) {
        super("judgement " + judgement.outcome() + ": " + judgement.failure().orElse(""),
                judgement.cause().orElse(null));
        this.judgement = judgement;
    }

    public Judgement judgement() {
        return judgement;
    }
}
