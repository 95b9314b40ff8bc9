package dev.grm4j.voting;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * A semaphore whose waiters are futures, not threads: thousands of samples can wait for one of the
 * permits without a thread each. First come, first served; a waiter cancelled while queued is
 * skipped and never takes a permit.
 */
final class AsyncLimiter {

    private final int permits;
    private final ArrayDeque<CompletableFuture<Void>> waiters = new ArrayDeque<>();
    private int inUse;

    AsyncLimiter(int permits) {
        this.permits = permits;
    }

    /** Completes when a permit is held; the holder must call {@link #release()} exactly once. */
    CompletableFuture<Void> acquire() {
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
    void release() {
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

    synchronized int inFlight() {
        return inUse;
    }

    synchronized int queued() {
        return (int) waiters.stream().filter(waiter -> !waiter.isDone()).count();
    }
}
