package dev.grm4j.examples.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.examples.llama.RandomGguf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code grm bench --llama}'s measurement on a model small enough for a test: the same code as the
 * 100M-parameter run, on the real llama.cpp engine. The figures of the real run are in docs/backends.md.
 */
class BenchLlamaTest {

    /** The tests' model shape, made never to end early, as the benchmark needs. */
    private static final RandomGguf.Shape SMALL = new RandomGguf.Shape("bench-test-random", 2, 64, 4, 128, 0.1, true);

    @TempDir
    Path store;

    @Test
    void times_one_sample_a_parallel_vote_and_a_serialized_one_on_a_model_it_writes_once() throws Exception {
        StringWriter printed = new StringWriter();

        ObjectNode first = new BenchLlama(4, 24, 0, store, SMALL).run(new PrintWriter(printed, true));
        Path model = store.resolve("bench-test-random.gguf");
        FileTime written = Files.getLastModifiedTime(model);
        ObjectNode second = new BenchLlama(4, 24, 0, store, SMALL).run(new PrintWriter(new StringWriter(), true));

        assertThat(first.properties().stream().map(java.util.Map.Entry::getKey).toList())
                .containsExactly("k", "params", "single_ms", "parallel_ratio", "serialized_ratio", "tokens_per_s");
        assertThat(first.get("k").asInt()).isEqualTo(4);
        assertThat(first.get("params").asLong()).isEqualTo(SMALL.parameters());
        assertThat(first.get("single_ms").asDouble()).isPositive();
        // No timing is asserted: CI's machine is shared, and a test model this small is bound by overheads,
        // not by memory. The benchmark itself refuses a sample that decoded less than its budget, so the
        // ratios always compare like with like; their values are the real run's figures (docs/backends.md).
        assertThat(first.get("serialized_ratio").asDouble()).isPositive();
        assertThat(first.get("parallel_ratio").asDouble()).isPositive();
        assertThat(printed.toString()).contains("writing bench-test-random.gguf", "parallel slots", "serialized");
        assertThat(Files.getLastModifiedTime(model)).isEqualTo(written);
        assertThat(second.get("k").asInt()).isEqualTo(4);
    }

    @Test
    void a_model_that_may_end_early_is_refused_it_would_time_unlike_work() {
        assertThatThrownBy(() -> new BenchLlama(4, 24, 0, store, RandomGguf.Shape.TINY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("never ends early");
    }
}
