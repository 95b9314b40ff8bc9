package dev.grm4j.core;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One sampled trajectory of the judge: what it was shown, what it wrote, and what became of it.
 *
 * <p>Only a {@link Outcome#SCORED} judgement has principles, a critique and scores; the others carry
 * the reason they failed ({@link #failure()}) and, for {@link Outcome#BACKEND_ERROR}, the cause. A
 * failed sample never turns into a number: {@link #scores()} throws on it.
 *
 * <p>Scores are reported in the <em>request's</em> order of responses, whatever order the judge saw
 * them in; {@link #order()} records that presentation order.
 */
public final class Judgement {

    private final Outcome outcome;
    private final List<Principle> principles;
    private final String critique;
    private final List<Integer> scores;
    private final String rawOutput;
    private final List<Integer> order;
    private final TokenUsage usage;
    private final Duration latency;
    private final String failure;
    private final Throwable cause;
    private final PromptSize promptSize;

    private Judgement(Outcome outcome, List<Principle> principles, String critique, List<Integer> scores,
                      String rawOutput, List<Integer> order, TokenUsage usage, Duration latency,
                      String failure, Throwable cause) {
        this(outcome, principles, critique, scores, rawOutput, order, usage, latency, failure, cause, null);
    }

    private Judgement(Outcome outcome, List<Principle> principles, String critique, List<Integer> scores,
                      String rawOutput, List<Integer> order, TokenUsage usage, Duration latency,
                      String failure, Throwable cause, PromptSize promptSize) {
        this.outcome = Objects.requireNonNull(outcome, "outcome");
        this.principles = List.copyOf(principles);
        this.critique = Objects.requireNonNull(critique, "critique");
        this.scores = List.copyOf(scores);
        this.rawOutput = Objects.requireNonNull(rawOutput, "rawOutput");
        this.order = List.copyOf(Objects.requireNonNull(order, "order"));
        this.usage = Objects.requireNonNull(usage, "usage");
        this.latency = Objects.requireNonNull(latency, "latency");
        this.failure = failure;
        this.cause = cause;
        this.promptSize = promptSize;
        if (outcome != Outcome.SCORED && (failure == null || failure.isBlank())) {
            throw new IllegalArgumentException("a " + outcome + " judgement needs a failure reason");
        }
    }

    /**
     * A judgement that parsed.
     *
     * @param scores one score per response, in the request's order
     * @param order  {@code order.get(p)} is the request index of the response shown at position {@code p}
     */
    public static Judgement scored(List<Principle> principles, String critique, List<Integer> scores,
                                   String rawOutput, List<Integer> order, TokenUsage usage, Duration latency) {
        if (scores.size() != order.size()) {
            throw new IllegalArgumentException(
                    "scores has " + scores.size() + " items but order has " + order.size());
        }
        return new Judgement(Outcome.SCORED, principles, critique, scores, rawOutput, order, usage, latency,
                null, null);
    }

    /** The model answered, but its output could not be read; {@code reason} says why. */
    public static Judgement unparseable(String reason, String rawOutput, List<Integer> order, TokenUsage usage,
                                        Duration latency) {
        return new Judgement(Outcome.UNPARSEABLE, List.of(), "", List.of(), rawOutput, order, usage, latency,
                reason, null);
    }

    /** The model hit its output budget; the partial output is kept for inspection. */
    public static Judgement truncated(String rawOutput, List<Integer> order, TokenUsage usage, Duration latency,
                                      int maxOutputTokens) {
        return new Judgement(Outcome.TRUNCATED, List.of(), "", List.of(), rawOutput, order, usage, latency,
                "output cut off at maxOutputTokens " + maxOutputTokens + " (finish reason length)", null);
    }

    /** The backend failed; {@code cause} is kept so callers can inspect or rethrow it. */
    public static Judgement backendError(Throwable cause, List<Integer> order, Duration latency) {
        Objects.requireNonNull(cause, "cause");
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new Judgement(Outcome.BACKEND_ERROR, List.of(), "", List.of(), "", order, TokenUsage.ZERO, latency,
                message, cause);
    }

    public Outcome outcome() {
        return outcome;
    }

    public boolean isScored() {
        return outcome == Outcome.SCORED;
    }

    /**
     * One score per response, in the request's order.
     *
     * @throws IllegalStateException if this judgement is not {@link Outcome#SCORED}
     */
    public List<Integer> scores() {
        if (!isScored()) {
            throw new IllegalStateException("judgement has no scores: " + outcome + " (" + failure + ")");
        }
        return scores;
    }

    /** The scores in the order the judge saw the responses, as it wrote them in its box. */
    public List<Integer> presentedScores() {
        List<Integer> inRequestOrder = scores();
        return order.stream().map(inRequestOrder::get).toList();
    }

    /** The criteria the judge used, weights summing to 1; empty unless scored. */
    public List<Principle> principles() {
        return principles;
    }

    /** The judge's analysis of the responses; empty unless scored. */
    public String critique() {
        return critique;
    }

    /** Exactly what the model returned (empty for a backend error). */
    public String rawOutput() {
        return rawOutput;
    }

    /** {@code order().get(p)} is the request index of the response the judge saw at position {@code p}. */
    public List<Integer> order() {
        return order;
    }

    public TokenUsage usage() {
        return usage;
    }

    /** Wall time of the model call, as measured by the caller's clock. */
    public Duration latency() {
        return latency;
    }

    /** Why the judgement failed; empty for a scored one. */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /** The exception behind a {@link Outcome#BACKEND_ERROR}. */
    public Optional<Throwable> cause() {
        return Optional.ofNullable(cause);
    }

    /**
     * The size of the prompt the judge was shown, when the model that sampled this judgement rendered
     * one (a judgement read back from a record, or one that failed before its prompt existed, has none).
     */
    public Optional<PromptSize> promptSize() {
        return Optional.ofNullable(promptSize);
    }

    /** This judgement with the size of the prompt behind it; the judge that rendered the prompt sets it. */
    public Judgement withPromptSize(PromptSize promptSize) {
        Objects.requireNonNull(promptSize, "promptSize");
        return new Judgement(outcome, principles, critique, scores, rawOutput, order, usage, latency, failure, cause,
                promptSize);
    }

    /**
     * How big a rendered prompt was, carried with its judgement so that a vote can report the part
     * a prefix cache can serve without rendering the prompt again.
     *
     * @param sharedPrefixChars characters before the first fenced response: what every sample of one
     *                          request shares, whatever its order; in 0..totalChars
     * @param totalChars        characters over all messages, >= 1
     */
    public record PromptSize(int sharedPrefixChars, int totalChars) {

        public PromptSize {
            if (totalChars < 1 || sharedPrefixChars < 0 || sharedPrefixChars > totalChars) {
                throw new IllegalArgumentException("prompt size needs 0 <= sharedPrefixChars <= totalChars and "
                        + "totalChars >= 1, was " + sharedPrefixChars + " of " + totalChars);
            }
        }

        /** The share of the prompt that every sample of its request shares, in 0..1. */
        public double sharedShare() {
            return sharedPrefixChars / (double) totalChars;
        }
    }

    @Override
    public String toString() {
        return isScored()
                ? "Judgement[SCORED " + scores + ", order " + order + "]"
                : "Judgement[" + outcome + ": " + failure + "]";
    }
}
