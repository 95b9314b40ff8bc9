package dev.grm4j.spark;

import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** --concurrency is the fleet's budget: each executor judges at most its share, over all its tasks. */
class FleetBudgetTest {

    @Test
    void one_executor_judges_the_whole_budget_at_once_over_its_two_task_slots(@TempDir Path dir) throws Exception {
        assertThat(mostCallsAtOnce(dir, SparkScoring.of("--concurrency", "3"))).isEqualTo(3);
    }

    @Test
    void the_budget_divided_among_three_executors_leaves_each_one_item_at_a_time(@TempDir Path dir) throws Exception {
        assertThat(mostCallsAtOnce(dir, SparkScoring.of("--concurrency", "3").withExecutors(3))).isEqualTo(1);
    }

    @Test
    void the_executors_come_from_the_configuration_and_an_unbounded_fleet_is_refused() {
        assertThat(GrmSpark.executors(true, new SparkConf(false))).isEqualTo(1);
        assertThat(GrmSpark.executors(false, new SparkConf(false).set("spark.executor.instances", "12"))).isEqualTo(12);
        assertThat(GrmSpark.executors(false, new SparkConf(false).set("spark.dynamicAllocation.maxExecutors", "40")))
                .isEqualTo(40);
        assertThatThrownBy(() -> GrmSpark.executors(false, new SparkConf(false)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spark.executor.instances", "--executors");
    }

    /** Scores 30 items through a judge that takes 50 ms a call; the most calls it held at once. */
    private static int mostCallsAtOnce(Path dir, SparkScoring budget) throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        SimulatedJudgeServer.Builder builder = SimulatedJudgeServer.builder(
                SimulatedJudge.builder().latency(Duration.ofMillis(50)).build());
        builder.faults((number, request) -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            return Optional.empty();
        });
        builder.meter((request, completions) -> inFlight.decrementAndGet());
        try (SimulatedJudgeServer judge = builder.build().start()) {
            List<String> flags = new java.util.ArrayList<>(budget.flags());
            flags.addAll(List.of("--base-url", judge.baseUrl(), "--model", "simulated-judge"));
            if (budget.executors() > 0) {
                flags.addAll(List.of("--executors", String.valueOf(budget.executors())));
            }
            List<String> rows = ScoreJobTest.sparkJob(Items.write(dir.resolve("items.jsonl"), Items.lines(30, 4)),
                    dir.resolve("out"), flags);
            assertThat(rows).hasSize(30);
        }
        return most.get();
    }
}
