package dev.grm4j.examples.serve;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Whether the judge can be reached, for {@code GET /ready}: one probe at a time, its answer cached for a
 * few seconds, so that an orchestrator polling every second costs the judge one tiny call per period.
 */
final class Readiness {

    private final Supplier<CompletableFuture<?>> probe;
    private final Duration fresh;
    private final Duration timeout;
    private final RewardMetrics metrics;
    private CompletableFuture<Optional<String>> last;
    private long lastStarted;

    /**
     * @param probe   completes normally when the judge answered, else exceptionally with the cause
     * @param fresh   how long one probe's answer stands
     * @param timeout how long a probe may take before the judge counts as unreachable
     */
    Readiness(Supplier<CompletableFuture<?>> probe, Duration fresh, Duration timeout, RewardMetrics metrics) {
        this.probe = probe;
        this.fresh = fresh;
        this.timeout = timeout;
        this.metrics = metrics;
    }

    /** Empty when ready, else why not. */
    synchronized CompletableFuture<Optional<String>> check() {
        long now = System.nanoTime();
        if (last != null && (!last.isDone() || now - lastStarted < fresh.toNanos())) {
            return last;
        }
        lastStarted = now;
        CompletableFuture<?> running;
        try {
            running = probe.get();
        } catch (RuntimeException e) {
            running = CompletableFuture.failedFuture(e);
        }
        last = running.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).handle((answered, failure) ->
                failure == null ? Optional.<String>empty() : Optional.of(Failures.explain(failure)));
        last.thenAccept(reason -> metrics.ready(reason.isEmpty()));
        return last;
    }
}
