package dev.grm4j.examples.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.cli.Jsonl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code grm bench --cost}: both ways over real HTTP, their figures, and the JSON line that carries them. */
class BenchCostCommandTest {

    private static final List<String> FIGURES =
            List.of("requests", "samples", "prompt_tokens_billed", "prefill_tokens_computed", "decode_tokens", "accuracy");

    @TempDir
    Path dir;

    @Test
    void the_last_line_holds_both_ways_figures_and_their_ratios() {
        Path in = pairs(60);

        CliRun run = grm("bench", "--cost", "--in", in.toString(), "--k", "8");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode last = last(run);
        assertThat(keys(last)).containsExactly("k", "items", "grm4j", "naive", "ratio");
        assertThat(last.get("k").asInt()).isEqualTo(8);
        assertThat(last.get("items").asInt()).isEqualTo(60);
        assertThat(keys(last.get("grm4j"))).containsExactlyElementsOf(FIGURES);
        assertThat(keys(last.get("naive"))).containsExactlyElementsOf(FIGURES);
        assertThat(keys(last.get("ratio")))
                .containsExactly("requests", "prompt_tokens_billed", "prefill_tokens_computed", "decode_tokens");

        JsonNode naive = last.get("naive");
        JsonNode grm4j = last.get("grm4j");
        assertThat(naive.get("requests").asLong()).as("one call per sample, all run").isEqualTo(60 * 8);
        assertThat(naive.get("samples").asLong()).isEqualTo(60 * 8);
        assertThat(grm4j.get("samples").asLong()).isBetween(60L * 2, 60L * 8);
        assertThat(grm4j.get("requests").asLong()).as("one call per order").isLessThan(grm4j.get("samples").asLong());
        for (String figure : List.of("requests", "prompt_tokens_billed", "prefill_tokens_computed", "decode_tokens")) {
            double ratio = grm4j.get(figure).asDouble() / naive.get(figure).asDouble();
            assertThat(last.get("ratio").get(figure).asDouble()).as(figure).isCloseTo(ratio, within(1e-4)).isLessThan(1);
        }
        assertThat(naive.get("prefill_tokens_computed").asLong()).as("the cache saves the naive way something too")
                .isLessThan(naive.get("prompt_tokens_billed").asLong() / 2);
        assertThat(run.out()).contains("grm4j:", "naive:", "grm4j / naive:");
    }

    @Test
    void the_same_seed_gives_the_same_figures() {
        Path in = pairs(20);

        String first = last(grm("bench", "--cost", "--in", in.toString(), "--k", "4", "--seed", "3")).toString();
        String second = last(grm("bench", "--cost", "--in", in.toString(), "--k", "4", "--seed", "3")).toString();

        assertThat(second).isEqualTo(first);
    }

    @Test
    void limit_votes_only_the_first_items() {
        CliRun run = grm("bench", "--cost", "--in", pairs(30).toString(), "--k", "2", "--limit", "5");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(last(run).get("items").asInt()).isEqualTo(5);
        assertThat(last(run).get("naive").get("requests").asInt()).isEqualTo(10);
    }

    @Test
    void options_of_the_other_mode_and_bad_items_are_usage_errors_that_name_them() {
        Path in = pairs(3);
        Path unlabelled = Jsonl.write(dir.resolve("unlabelled.jsonl"),
                List.of(Jsonl.pair(1), Jsonl.item("x", "q", List.of("a", "b"), null)));

        assertThat(grm("bench", "--cost").err()).contains("--cost needs --in FILE.jsonl");
        assertThat(grm("bench", "--cost", "--in", in.toString(), "--latency-ms", "5").err())
                .contains("--latency-ms does not apply with --cost");
        assertThat(grm("bench", "--in", in.toString()).err()).contains("--in applies only with --cost");
        assertThat(grm("bench", "--cost", "--in", dir.resolve("nope.jsonl").toString()).err())
                .contains("--in: no such file");
        CliRun skipping = grm("bench", "--cost", "--in", unlabelled.toString(), "--k", "2");
        assertThat(skipping.exitCode()).as("skipped lines make the run partial").isEqualTo(3);
        assertThat(skipping.out()).contains("skipped 1 line: line 2: no \"best\"");
        assertThat(last(skipping).get("items").asInt()).isEqualTo(1);
        CliRun onlyBroken = grm("bench", "--cost", "--in", Jsonl.write(dir.resolve("only-broken.jsonl"),
                List.of("{not json")).toString());
        assertThat(onlyBroken.exitCode()).isEqualTo(2);
        assertThat(onlyBroken.err()).contains("no items with a best response; line 1: not valid JSON");
        assertThat(grm("bench", "--cost", "--in", in.toString(), "--cache-blocks", "0").err())
                .contains("--cache-blocks must be >= 1");
    }

    private Path pairs(int n) {
        return Jsonl.write(dir.resolve("pairs-" + n + ".jsonl"),
                IntStream.rangeClosed(1, n).mapToObj(Jsonl::pair).toList());
    }

    private static JsonNode last(CliRun run) {
        String[] lines = run.out().strip().split("\n");
        return CliRun.parse(lines[lines.length - 1]);
    }

    private static List<String> keys(JsonNode node) {
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    private static org.assertj.core.data.Offset<Double> within(double offset) {
        return org.assertj.core.data.Offset.offset(offset);
    }
}
