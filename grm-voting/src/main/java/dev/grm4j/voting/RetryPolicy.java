package dev.grm4j.voting;

import dev.grm4j.core.backend.BackendException;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * How a sample whose backend call failed with a retriable error (timeouts, connection errors, 429,
 * 5xx) is tried again: exponential backoff with jitter, never sooner than the server's Retry-After.
 *
 * @param maxAttempts    calls per sample, first one included; 1 = no retries
 * @param initialBackoff the wait before the first retry, doubled before each next one
 * @param maxBackoff     the longest wait between two attempts (a longer Retry-After still wins)
 * @param jitter         in 0..1: each wait is multiplied by a uniform factor in [1 - jitter, 1 + jitter],
 *                       so that samples rejected together do not come back together
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double jitter) {

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("backoff needs 0 <= initialBackoff <= maxBackoff, was "
                    + initialBackoff + " and " + maxBackoff);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be in 0..1, was " + jitter);
        }
    }

    /** 4 attempts, 500 ms doubling to at most 30 s, jitter 0.5. */
    public static RetryPolicy defaults() {
        return new RetryPolicy(4, Duration.ofMillis(500), Duration.ofSeconds(30), 0.5);
    }

    /** One attempt per sample. */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 0);
    }

    /**
     * Whether a call that failed with {@code failure} on attempt {@code attempt} (counted from 1) is tried
     * again, and after how long. Only failures a later try may pass are: a {@link BackendException} that
     * {@link BackendException#isRetriable() is retriable} (its Retry-After is honoured: the wait is never
     * shorter), or a {@link TimeoutException} (a call timeout of the caller's own). Anything else, or
     * {@code maxAttempts} reached, gives empty.
     *
     * @param attempt the attempt that failed, >= 1
     * @param failure what it failed with; may be null (then empty)
     * @param uniform a draw in [0, 1) for the jitter
     * @return the wait before attempt {@code attempt + 1}, or empty to give up
     */
    public Optional<Duration> retryWait(int attempt, @Nullable Throwable failure, double uniform) {
        if (attempt >= maxAttempts) {
            return Optional.empty();
        }
        Duration retryAfter = Duration.ZERO;
        if (failure instanceof BackendException backend) {
            if (!backend.isRetriable()) {
                return Optional.empty();
            }
            retryAfter = backend.retryAfter().orElse(Duration.ZERO);
        } else if (!(failure instanceof TimeoutException)) {
            return Optional.empty();
        }
        return Optional.of(backoff(attempt, uniform, retryAfter));
    }

    /**
     * The wait before attempt {@code attempt + 1} (attempts count from 1), given a uniform draw in
     * [0, 1) and the server's Retry-After (zero if none).
     */
    Duration backoff(int attempt, double uniform, Duration retryAfter) {
        double base = initialBackoff.toNanos() * Math.pow(2, attempt - 1);
        double capped = Math.min(base, maxBackoff.toNanos());
        long jittered = (long) (capped * (1 - jitter + 2 * jitter * uniform));
        return Duration.ofNanos(Math.max(jittered, retryAfter.toNanos()));
    }
}
