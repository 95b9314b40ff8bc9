package dev.grm4j.examples.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.examples.cli.CliRun;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;

/** Runs the whole benchmark, child servers included, at toy scale; the figures themselves are not judged. */
class BenchCommandTest {

    @Test
    void a_tiny_bench_ends_with_one_json_object_holding_every_figure() {
        CliRun run = grm("bench", "--k", "4", "--latency-ms", "20", "--capacity", "8", "--batch-requests", "12",
                "--batch-k", "2", "--repeats", "2", "--warmup-samples", "40");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        String[] lines = run.out().strip().split("\n");
        JsonNode last = CliRun.parse(lines[lines.length - 1]);
        List<String> keys = new ArrayList<>();
        last.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).contains("k", "wall_ratio_vs_single", "samples_per_s", "capacity_samples_per_s",
                "cpu_us_per_sample", "heap_mb_peak");
        assertThat(last.get("k").asInt()).isEqualTo(4);
        assertThat(last.get("capacity_samples_per_s").asDouble()).isEqualTo(400.0);
        assertThat(last.get("batch_samples").asInt()).isEqualTo(24);
        for (String figure : List.of("wall_ratio_vs_single", "samples_per_s", "cpu_us_per_sample", "heap_mb_peak")) {
            assertThat(last.get(figure).asDouble()).as(figure).isPositive();
        }
        assertThat(run.out()).contains("(a) unlimited capacity", "(b) capacity 8");
    }

    @Test
    void settings_out_of_range_are_usage_errors() {
        assertThat(grm("bench", "--k", "0").err()).contains("--k must be in 1..1024, was 0");
        assertThat(grm("bench", "--capacity", "0").err()).contains("--capacity must be in 1..1024, was 0");
        assertThat(grm("bench", "--latency-ms", "0").exitCode()).isEqualTo(2);
        assertThat(grm("bench", "--batch-requests", "0").exitCode()).isEqualTo(2);
    }

    @Test
    void the_llama_bench_takes_only_its_own_options() {
        assertThat(grm("bench", "--llama", "--cost").err()).contains("--llama and --cost are two benchmarks");
        assertThat(grm("bench", "--llama", "--capacity", "4").err()).contains("--capacity does not apply with --llama");
        assertThat(grm("bench", "--tokens", "8").err()).contains("--tokens applies only with --llama");
        assertThat(grm("bench", "--llama", "--tokens", "0").err()).contains("--tokens must be in 1..4096, was 0");
        assertThat(grm("bench", "--llama", "--k", "65").err()).contains("--k must be in 1..64 with --llama");
    }
}
