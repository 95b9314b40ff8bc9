package dev.grm4j.examples.batch;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * Runs tasks with a bounded number in flight and hands their results to a sink in submission order.
 *
 * <p>Two bounds keep memory flat on any input size: at most {@code inFlight} tasks run at once, and at
 * most {@code 4 * inFlight} results wait (running or done) for an earlier one to be written. Only the
 * submitting thread calls the sink. Not thread-safe: one thread submits.
 */
public final class OrderedWindow<T> {

    /** Receives results in order. */
    @FunctionalInterface
    public interface Sink<T> {
        void accept(T result) throws IOException;
    }

    /** How many results may wait behind a slow one, per task in flight. */
    private static final int BUFFER_FACTOR = 4;

    private final Semaphore permits;
    private final int maxPending;
    private final Sink<T> sink;
    private final Deque<CompletableFuture<T>> pending = new ArrayDeque<>();

    public OrderedWindow(int inFlight, Sink<T> sink) {
        if (inFlight < 1) {
            throw new IllegalArgumentException("inFlight must be >= 1, was " + inFlight);
        }
        this.permits = new Semaphore(inFlight);
        this.maxPending = inFlight * BUFFER_FACTOR;
        this.sink = sink;
    }

    /**
     * Starts {@code task} once a slot is free, blocking until then. Every finished task frees a slot, so
     * results that finished meanwhile are written right after.
     */
    public void submit(Supplier<CompletableFuture<T>> task) throws IOException, InterruptedException {
        makeRoom();
        permits.acquire();
        CompletableFuture<T> future;
        try {
            future = task.get();
        } catch (RuntimeException e) {
            permits.release();
            throw e;
        }
        future.whenComplete((result, failure) -> permits.release());
        pending.addLast(future);
        writeDone();
    }

    /** Queues a result that needs no work, keeping its place in the order. */
    public void submitDone(T result) throws IOException, InterruptedException {
        makeRoom();
        pending.addLast(CompletableFuture.completedFuture(result));
        writeDone();
    }

    /** Waits for every task and writes the remaining results. */
    public void finish() throws IOException, InterruptedException {
        while (!pending.isEmpty()) {
            writeHead();
        }
    }

    private void makeRoom() throws IOException, InterruptedException {
        while (pending.size() >= maxPending) {
            writeHead();
        }
    }

    private void writeDone() throws IOException, InterruptedException {
        while (!pending.isEmpty() && pending.peekFirst().isDone()) {
            writeHead();
        }
    }

    private void writeHead() throws IOException, InterruptedException {
        CompletableFuture<T> head = pending.removeFirst();
        try {
            sink.accept(head.get());
        } catch (ExecutionException e) {
            // Tasks report failures as results; an exception here is a bug and must not pass silently.
            throw new IllegalStateException("task failed: " + e.getCause(), e.getCause());
        }
    }
}
