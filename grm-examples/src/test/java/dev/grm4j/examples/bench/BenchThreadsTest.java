package dev.grm4j.examples.bench;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BenchThreadsTest {

    @Test
    void the_cpu_a_thread_spends_between_two_snapshots_is_counted_under_its_name_without_digits() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        Map<String, BenchThreads.Thread> before = BenchThreads.snapshot();
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        CountDownLatch spun = new CountDownLatch(1);
        CountDownLatch snapped = new CountDownLatch(1);
        // The spinner burns 50 ms of its own CPU time, however long a loaded machine takes to give it
        // that, then stays alive until the snapshot is taken: threads that ended are not counted.
        Thread spinner = new Thread(() -> {
            long start = cpu.getCurrentThreadCpuTime();
            long sum = 0;
            while (cpu.getCurrentThreadCpuTime() - start < 50_000_000L) {
                sum += System.nanoTime() % 7;
            }
            if (sum == 42) {
                System.out.print("");
            }
            spun.countDown();
            try {
                snapped.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "spin-42");
        spinner.start();
        assertThat(spun.await(30, TimeUnit.SECONDS)).as("spinner finished its CPU work").isTrue();
        Map<String, BenchThreads.Thread> after = BenchThreads.snapshot();
        snapped.countDown();
        spinner.join();

        Map<String, Long> spent = BenchThreads.since(before, after);

        assertThat(spent).containsKey("spin-#");
        assertThat(spent.get("spin-#")).isGreaterThan(20_000_000L);
    }
}
