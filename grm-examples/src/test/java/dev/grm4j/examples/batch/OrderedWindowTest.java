package dev.grm4j.examples.batch;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OrderedWindowTest {

    @Test
    void writes_results_in_submission_order_when_tasks_finish_out_of_order() throws Exception {
        List<Integer> written = new ArrayList<>();
        OrderedWindow<Integer> window = new OrderedWindow<>(3, written::add);
        List<CompletableFuture<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            CompletableFuture<Integer> task = new CompletableFuture<>();
            tasks.add(task);
            window.submit(() -> task);
        }
        tasks.get(2).complete(2);
        tasks.get(1).complete(1);
        assertThat(written).isEmpty();

        tasks.get(0).complete(0);
        window.submitDone(3);

        assertThat(written).containsExactly(0, 1, 2, 3);
    }

    @Test
    void never_runs_more_than_its_limit_at_once_and_keeps_order_under_load() throws Exception {
        int limit = 4;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        List<Integer> written = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            OrderedWindow<Integer> window = new OrderedWindow<>(limit, written::add);
            for (int i = 0; i < 200; i++) {
                int n = i;
                if (n % 7 == 0) {
                    window.submitDone(n);
                    continue;
                }
                window.submit(() -> CompletableFuture.supplyAsync(() -> {
                    peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                    sleepMicros(ThreadLocalRandom.current().nextInt(50, 2000));
                    running.decrementAndGet();
                    return n;
                }, pool));
            }
            window.finish();
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(5, TimeUnit.SECONDS);
        }

        assertThat(written).hasSize(200).isSorted();
        assertThat(peak.get()).isBetween(1, limit);
    }

    @Test
    void fails_loudly_when_a_task_fails_instead_of_reporting_a_result() throws Exception {
        OrderedWindow<Integer> window = new OrderedWindow<>(2, result -> { });
        CompletableFuture<Integer> task = new CompletableFuture<>();
        window.submit(() -> task);
        task.completeExceptionally(new IllegalStateException("bug"));

        assertThatThrownBy(window::finish).isInstanceOf(IllegalStateException.class).hasMessageContaining("bug");
    }

    private static void sleepMicros(int micros) {
        try {
            TimeUnit.MICROSECONDS.sleep(micros);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
