package dev.grm4j.core.testing;

import dev.grm4j.core.backend.CompletionRequest;

import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Decides, per request, whether a {@link SimulatedJudgeServer} injects a {@link Fault} instead of
 * answering normally. Implementations must be thread-safe and should be deterministic in their
 * arguments, so that a test or benchmark replays the same way.
 *
 * <pre>{@code
 * FaultPlan.firstN(2, Fault.rateLimited(Duration.ofSeconds(1)))   // two 429s, then answers
 * (number, request) -> number % 10 == 9 ? Optional.of(Fault.status(503)) : Optional.empty()
 * }</pre>
 */
@FunctionalInterface
public interface FaultPlan {

    /**
     * The fault for one request, or empty to answer it normally.
     *
     * @param requestNumber the 0-based arrival number of the request among all chat completion requests
     *                      the server received, malformed ones included
     * @param request       the request as the judge would receive it
     */
    Optional<Fault> faultFor(long requestNumber, CompletionRequest request);

    /** Never injects a fault. */
    static FaultPlan none() {
        return (number, request) -> Optional.empty();
    }

    /**
     * Injects {@code fault} into every request.
     *
     * @throws NullPointerException if {@code fault} is null
     */
    static FaultPlan always(Fault fault) {
        Optional<Fault> answer = Optional.of(Objects.requireNonNull(fault, "fault"));
        return (number, request) -> answer;
    }

    /**
     * Injects {@code fault} into the first {@code n} requests (numbers 0..n-1), then answers normally:
     * the shape of a transient outage that retries should ride out.
     *
     * @throws IllegalArgumentException if {@code n} is negative
     * @throws NullPointerException     if {@code fault} is null
     */
    static FaultPlan firstN(int n, Fault fault) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, was " + n);
        }
        Optional<Fault> answer = Optional.of(Objects.requireNonNull(fault, "fault"));
        return (number, request) -> number < n ? answer : Optional.empty();
    }

    /**
     * Injects {@code fault} into every {@code n}th request, counting from 1: numbers n-1, 2n-1, ...
     *
     * @throws IllegalArgumentException if {@code n} is less than 1
     * @throws NullPointerException     if {@code fault} is null
     */
    static FaultPlan everyNth(int n, Fault fault) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, was " + n);
        }
        Optional<Fault> answer = Optional.of(Objects.requireNonNull(fault, "fault"));
        return (number, request) -> (number + 1) % n == 0 ? answer : Optional.empty();
    }

    /**
     * Injects {@code fault} into each request with probability {@code rate}, decided by a hash of
     * {@code seed} and the request number, so a rerun faults the same request numbers.
     *
     * @throws IllegalArgumentException if {@code rate} is not in 0..1
     * @throws NullPointerException     if {@code fault} is null
     */
    static FaultPlan randomly(double rate, long seed, Fault fault) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("rate must be in 0..1, was " + rate);
        }
        Optional<Fault> answer = Optional.of(Objects.requireNonNull(fault, "fault"));
        // Request n reads the n-th value of the seed's stream: no state shared between threads.
        return (number, request) ->
                new SplittableRandom(seed + number * 0x9E3779B97F4A7C15L).nextDouble() < rate
                        ? answer : Optional.empty();
    }
}
