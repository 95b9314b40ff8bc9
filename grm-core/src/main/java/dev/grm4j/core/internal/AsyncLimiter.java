package dev.grm4j.core.internal;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A semaphore whose waiters are futures, not threads: thousands of calls can wait for one of the
 * permits without a thread each. First come, first served; a waiter cancelled while queued is
 * skipped and never takes a permit. The one limiter of the voting engine and the meta RMs.
 */
public final class AsyncLimiter {

    private final int permits;
    private final ArrayDeque<CompletableFuture<Void>> waiters = new ArrayDeque<>();
    private int inUse;

    public AsyncLimiter(int permits) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be >= 1, was " + permits);
        }
        this.permits = permits;
    }

    /**
     * Starts {@code task} once a permit is free and frees it when the task's future completes.
     * Cancelling the returned future while it waits gives up its place in the queue; cancelling it
     * once started cancels the task's future.
     */
    public <T> CompletableFuture<T> run(Supplier<CompletableFuture<T>> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        AtomicReference<CompletableFuture<T>> running = new AtomicReference<>();
        CompletableFuture<Void> permit = acquire();
        permit.whenComplete((ignored, cancelled) -> {
            if (cancelled != null) {
                return; // gave up while queued: no permit was ever held
            }
            if (result.isDone()) {
                release();
                return;
            }
            CompletableFuture<T> started;
            try {
                started = task.get();
            } catch (RuntimeException | Error e) {
                started = CompletableFuture.failedFuture(e);
            }
            running.set(started);
            started.whenComplete((value, error) -> {
                release();
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    result.complete(value);
                }
            });
            if (result.isCancelled()) {
                started.cancel(true);
            }
        });
        result.whenComplete((value, error) -> {
            if (result.isCancelled()) {
                permit.cancel(false);
                CompletableFuture<T> started = running.get();
                if (started != null) {
                    started.cancel(true);
                }
            }
        });
        return result;
    }

    /** Completes when a permit is held; the holder must call {@link #release()} exactly once. */
    public CompletableFuture<Void> acquire() {
        synchronized (this) {
            if (inUse < permits) {
                inUse++;
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> waiter = new CompletableFuture<>();
            waiters.add(waiter);
            return waiter;
        }
    }

    /** Hands the permit to the next live waiter, or returns it. */
    public void release() {
        while (true) {
            CompletableFuture<Void> next;
            synchronized (this) {
                next = waiters.poll();
                while (next != null && next.isDone()) {
                    next = waiters.poll();
                }
                if (next == null) {
                    inUse--;
                    return;
                }
            }
            // Outside the lock: completing runs the waiter's next stage, which must not hold our lock.
            if (next.complete(null)) {
                return;
            }
            // Cancelled between poll and complete: the permit is still ours to hand on.
        }
    }

    public synchronized int inFlight() {
        return inUse;
    }

    public synchronized int queued() {
        return (int) waiters.stream().filter(waiter -> !waiter.isDone()).count();
    }
}
