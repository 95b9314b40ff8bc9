package dev.grm4j.core.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
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
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
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
        return acquire(1);
    }

    /**
     * Completes when {@code count} permits are held at once, for a call that does the work of several
     * (n completions of one prompt); the holder must call {@link #release(int)} with the same count.
     * Waiters are served in arrival order, so a large request is never overtaken for ever by small ones.
     *
     * @throws IllegalArgumentException if {@code count} is not in 1..permits
     */
    public CompletableFuture<Void> acquire(int count) {
        if (count < 1 || count > permits) {
            throw new IllegalArgumentException("count must be in 1.." + permits + ", was " + count);
        }
        synchronized (this) {
            if (waiters.isEmpty() && inUse + count <= permits) {
                inUse += count;
                return CompletableFuture.completedFuture(null);
            }
            Waiter waiter = new Waiter(new CompletableFuture<>(), count);
            waiters.add(waiter);
            // A cancelled head may have held back smaller waiters behind it that fit now.
            waiter.future().whenComplete((ignored, cancelled) -> {
                if (cancelled != null) {
                    release(0);
                }
            });
            return waiter.future();
        }
    }

    /** Hands the permit to the next live waiters, or returns it. */
    public void release() {
        release(1);
    }

    /** Returns {@code count} permits and hands them on to the waiters at the head of the queue. */
    public void release(int count) {
        List<Waiter> granted = new ArrayList<>();
        synchronized (this) {
            inUse -= count;
            grant(granted);
        }
        // Outside the lock: completing runs the waiter's next stage, which must not hold our lock.
        for (Waiter next : granted) {
            if (!next.future().complete(null)) {
                // Cancelled between grant and complete: its permits are still ours to hand on.
                release(next.count());
            }
        }
    }

    /** Under the lock: the live waiters at the head that fit now, their permits taken. */
    private void grant(List<Waiter> granted) {
        while (!waiters.isEmpty()) {
            Waiter head = waiters.peek();
            if (head.future().isDone()) {
                waiters.poll();
                continue;
            }
            if (inUse + head.count() > permits) {
                return;
            }
            waiters.poll();
            inUse += head.count();
            granted.add(head);
        }
    }

    /** Permits held right now. */
    public synchronized int inFlight() {
        return inUse;
    }

    /** Live waiters right now: acquisitions queued, whatever each asks for. */
    public synchronized int queued() {
        return (int) waiters.stream().filter(waiter -> !waiter.future().isDone()).count();
    }

    /**
     * Permits the live waiters ask for together: the work queued behind {@link #inFlight()}, counted in
     * the same unit, so that the two make one gauge of the limit. Walks the queue; meant for a metrics
     * scrape, not a hot path.
     */
    public synchronized int queuedPermits() {
        return waiters.stream().filter(waiter -> !waiter.future().isDone()).mapToInt(Waiter::count).sum();
    }

    private record Waiter(CompletableFuture<Void> future, int count) {
    }
}
