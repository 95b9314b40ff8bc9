package dev.grm4j.metarm;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** At most {@code max} tasks in flight; the rest wait in a queue without holding a thread. Thread-safe. */
final class Gate {

    private final int max;
    private final Queue<CompletableFuture<Void>> waiting = new ArrayDeque<>();
    private int inFlight;

    Gate(int max) {
        this.max = max;
    }

    /** Starts {@code task} once a slot is free; the slot is freed when its future completes, however. */
    <T> CompletableFuture<T> run(Supplier<CompletableFuture<T>> task) {
        return acquire().thenCompose(ignored -> {
            CompletableFuture<T> started;
            try {
                started = task.get();
            } catch (RuntimeException e) {
                started = CompletableFuture.failedFuture(e);
            }
            return started.whenComplete((value, error) -> release());
        });
    }

    private CompletableFuture<Void> acquire() {
        synchronized (this) {
            if (inFlight < max) {
                inFlight++;
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> permit = new CompletableFuture<>();
            waiting.add(permit);
            return permit;
        }
    }

    private void release() {
        CompletableFuture<Void> next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                inFlight--;
            }
        }
        if (next != null) {
            next.complete(null);
        }
    }
}
