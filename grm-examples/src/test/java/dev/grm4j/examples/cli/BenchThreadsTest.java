package dev.grm4j.examples.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BenchThreadsTest {

    @Test
    void the_cpu_a_thread_spends_between_two_snapshots_is_counted_under_its_name_without_digits() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        Map<String, BenchThreads.Thread> before = BenchThreads.snapshot();
        Thread spinner = new Thread(() -> {
            long end = System.nanoTime() + 100_000_000L;
            long sum = 0;
            while (System.nanoTime() < end) {
                sum += System.nanoTime() % 7;
            }
            if (sum == 42) {
                System.out.print("");
            }
        }, "spin-42");
        spinner.start();
        // Snapshot while it still runs: threads that ended are not counted.
        Thread.sleep(60);
        Map<String, BenchThreads.Thread> after = BenchThreads.snapshot();
        spinner.join();

        Map<String, Long> spent = BenchThreads.since(before, after);

        assertThat(spent).containsKey("spin-#");
        assertThat(spent.get("spin-#")).isGreaterThan(10_000_000L);
    }
}
