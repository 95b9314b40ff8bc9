package dev.grm4j.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AsyncLimiterTest {

    @Test
    void runsAtMostPermitsTasksAndStartsTheNextWhenOneCompletes() {
        AsyncLimiter limiter = new AsyncLimiter(2);
        List<CompletableFuture<String>> tasks = new ArrayList<>();
        List<CompletableFuture<String>> results = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            results.add(limiter.run(() -> {
                CompletableFuture<String> task = new CompletableFuture<>();
                tasks.add(task);
                return task;
            }));
        }

        assertThat(tasks).hasSize(2);
        assertThat(limiter.queued()).isEqualTo(1);
        tasks.get(0).complete("first");

        assertThat(results.get(0)).isCompletedWithValue("first");
        assertThat(tasks).hasSize(3);
        assertThat(limiter.inFlight()).isEqualTo(2);
    }

    @Test
    void aCallCancelledWhileQueuedNeverStartsAndTakesNoPermit() {
        AsyncLimiter limiter = new AsyncLimiter(1);
        CompletableFuture<String> holder = new CompletableFuture<>();
        AtomicInteger started = new AtomicInteger();
        limiter.run(() -> holder);
        CompletableFuture<String> queued = limiter.run(() -> {
            started.incrementAndGet();
            return CompletableFuture.completedFuture("late");
        });

        queued.cancel(true);
        holder.complete("done");

        assertThat(started).hasValue(0);
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.queued()).isZero();
    }

    @Test
    void cancellingARunningCallCancelsItsTaskAndFreesThePermit() {
        AsyncLimiter limiter = new AsyncLimiter(1);
        CompletableFuture<String> task = new CompletableFuture<>();
        CompletableFuture<String> result = limiter.run(() -> task);

        result.cancel(true);

        assertThat(task).isCancelled();
        assertThat(limiter.inFlight()).isZero();
    }

    @Test
    void aTaskThatThrowsFailsItsCallAndFreesThePermit() {
        AsyncLimiter limiter = new AsyncLimiter(1);
        CompletableFuture<String> result = limiter.run(() -> {
            throw new IllegalStateException("boom");
        });

        assertThat(result).isCompletedExceptionally();
        assertThat(limiter.inFlight()).isZero();
    }

    @Test
    void refusesLessThanOnePermit() {
        assertThatThrownBy(() -> new AsyncLimiter(0)).hasMessageContaining("permits must be >= 1, was 0");
    }

    @Test
    void aCallOfSeveralPermitsWaitsUntilAllAreFreeAndIsNotOvertakenBySmallerOnes() {
        AsyncLimiter limiter = new AsyncLimiter(4);
        CompletableFuture<Void> three = limiter.acquire(3);
        CompletableFuture<Void> four = limiter.acquire(4);
        CompletableFuture<Void> one = limiter.acquire(1);

        assertThat(three).isDone();
        assertThat(four).isNotDone();
        assertThat(one).as("one permit is free, but the call of four came first").isNotDone();

        limiter.release(3);
        assertThat(four).isDone();
        assertThat(one).isNotDone();
        limiter.release(4);
        assertThat(one).isDone();
        assertThat(limiter.inFlight()).isEqualTo(1);
    }

    @Test
    void cancellingALargeWaiterAtTheHeadLetsTheSmallerOnesBehindItIn() {
        AsyncLimiter limiter = new AsyncLimiter(4);
        limiter.acquire(2);
        CompletableFuture<Void> four = limiter.acquire(4);
        CompletableFuture<Void> two = limiter.acquire(2);

        four.cancel(false);

        assertThat(two).isDone();
        assertThat(limiter.inFlight()).isEqualTo(4);
        assertThat(limiter.queued()).isZero();
    }

    @Test
    void queuedPermitsCountWhatTheLiveWaitersAskForAndSkipTheCancelled() {
        AsyncLimiter limiter = new AsyncLimiter(4);
        limiter.acquire(4);
        CompletableFuture<Void> three = limiter.acquire(3);
        limiter.acquire(2);

        assertThat(limiter.queued()).isEqualTo(2);
        assertThat(limiter.queuedPermits()).isEqualTo(5);

        three.cancel(false);
        assertThat(limiter.queuedPermits()).isEqualTo(2);

        limiter.release(4);
        assertThat(limiter.queuedPermits()).isZero();
        assertThat(limiter.inFlight()).isEqualTo(2);
    }

    @Test
    void refusesToWaitForMorePermitsThanItHas() {
        AsyncLimiter limiter = new AsyncLimiter(4);
        assertThatThrownBy(() -> limiter.acquire(5)).hasMessageContaining("count must be in 1..4, was 5");
    }
}
