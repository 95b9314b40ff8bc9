package dev.grm4j.core.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One way a {@link SimulatedJudgeServer} misbehaves instead of answering a request normally, chosen per
 * request by a {@link FaultPlan}. Immutable value.
 */
public final class Fault {

    /** What the server does instead of answering. */
    enum Kind {
        /** An HTTP error status with an OpenAI-style error body, at once. */
        STATUS,
        /** Status 200 with a body that is not JSON, at once. */
        NOT_JSON,
        /** Status 200 with a well-formed completion whose choices list is empty, at once. */
        EMPTY_CHOICES,
        /** The judge's real answer after its latency, cut in half and marked {@code "length"}. */
        TRUNCATED
    }

    private final Kind kind;
    private final int statusCode;
    private final Duration retryAfter;

    private Fault(Kind kind, int statusCode, Duration retryAfter) {
        this.kind = kind;
        this.statusCode = statusCode;
        this.retryAfter = retryAfter;
    }

    /**
     * Answers with an HTTP error status and an OpenAI-style {@code {"error": {...}}} body, without a
     * Retry-After header and without waiting for the judge.
     *
     * @param statusCode an error status, 400..599 (for example 500, 502, 503)
     * @throws IllegalArgumentException if {@code statusCode} is not in 400..599
     */
    public static Fault status(int statusCode) {
        return new Fault(Kind.STATUS, checkStatus(statusCode), null);
    }

    /**
     * Like {@link #status(int)}, with a {@code Retry-After} header of {@code retryAfter} in whole seconds,
     * rounded up.
     *
     * @throws IllegalArgumentException if {@code statusCode} is not in 400..599 or {@code retryAfter} is
     *                                  negative
     * @throws NullPointerException     if {@code retryAfter} is null
     */
    public static Fault status(int statusCode, Duration retryAfter) {
        return new Fault(Kind.STATUS, checkStatus(statusCode), checkRetryAfter(retryAfter));
    }

    /**
     * Answers 429 with a {@code Retry-After} header of {@code retryAfter} in whole seconds, rounded up.
     *
     * @throws NullPointerException     if {@code retryAfter} is null
     * @throws IllegalArgumentException if {@code retryAfter} is negative
     */
    public static Fault rateLimited(Duration retryAfter) {
        return status(429, retryAfter);
    }

    /** Answers 200 with a body that is not JSON, as a misconfigured proxy would. */
    public static Fault notJson() {
        return new Fault(Kind.NOT_JSON, 200, null);
    }

    /** Answers 200 with a completion whose {@code choices} list is empty. */
    public static Fault emptyChoices() {
        return new Fault(Kind.EMPTY_CHOICES, 200, null);
    }

    /**
     * Lets the judge answer (latency and capacity apply), then sends only the first half of its text
     * with {@code finish_reason "length"}, as a model that ran out of output budget would.
     */
    public static Fault truncated() {
        return new Fault(Kind.TRUNCATED, 200, null);
    }

    Kind kind() {
        return kind;
    }

    int statusCode() {
        return statusCode;
    }

    Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    private static int checkStatus(int statusCode) {
        if (statusCode < 400 || statusCode > 599) {
            throw new IllegalArgumentException("fault status must be in 400..599, was " + statusCode);
        }
        return statusCode;
    }

    private static Duration checkRetryAfter(Duration retryAfter) {
        Objects.requireNonNull(retryAfter, "retryAfter");
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must be >= 0, was " + retryAfter);
        }
        return retryAfter;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Fault that && kind == that.kind && statusCode == that.statusCode
                && Objects.equals(retryAfter, that.retryAfter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, statusCode, retryAfter);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case STATUS -> "Fault[status " + statusCode + (retryAfter == null ? "" : ", retry after " + retryAfter) + "]";
            case NOT_JSON -> "Fault[not json]";
            case EMPTY_CHOICES -> "Fault[empty choices]";
            case TRUNCATED -> "Fault[truncated]";
        };
    }
}
