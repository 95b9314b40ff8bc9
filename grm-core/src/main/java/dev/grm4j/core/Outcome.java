package dev.grm4j.core;

/** What became of one sampled judgement. Only {@link #SCORED} carries scores. */
public enum Outcome {
    /** The output parsed: principles, a critique and exactly one in-range score per response. */
    SCORED,
    /** The model answered, but not in the required form; the judgement says why. */
    UNPARSEABLE,
    /** The model stopped at its output budget (finish reason "length") before a verdict could be trusted. */
    TRUNCATED,
    /** The backend failed (network, HTTP status, timeout); the judgement carries the cause. */
    BACKEND_ERROR
}
