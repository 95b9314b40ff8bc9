package dev.grm4j.examples.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.cli.Jsonl;
import dev.grm4j.examples.options.BackendOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;

class EvalCommandTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void adaptive_votes_report_the_samples_they_ran_and_exact_keeps_every_winner() {
        Path in = benchmark("pairs.jsonl", 120);
        List<String> common = List.of("eval", "--in", in.toString(), "--backend", "simulated", "--sim-accuracy", "0.8",
                "--k", "4,16");

        JsonNode off = lastLine(grm(with(common, "--adaptive", "off")));
        JsonNode exact = lastLine(grm(with(common, "--adaptive", "exact")));
        JsonNode auto = lastLine(grm(with(common, "--adaptive", "auto")));

        assertThat(off.get("samples_per_item").asDouble()).isEqualTo(16.0);
        assertThat(exact.get("accuracy")).isEqualTo(off.get("accuracy"));
        assertThat(exact.get("samples_per_item").asDouble()).isLessThanOrEqualTo(16.0);
        assertThat(auto.get("samples_per_item").asDouble()).isLessThan(16.0 * 0.6);
        assertThat(auto.get("accuracy").get("16").asDouble())
                .isGreaterThan(off.get("accuracy").get("16").asDouble() - 0.05);
        assertThat(grm(with(common, "--adaptive", "maybe")).err())
                .contains("--adaptive must be off, exact or auto, was 'maybe'");
    }

    private static String[] with(List<String> args, String... more) {
        List<String> all = new java.util.ArrayList<>(args);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void accuracy_rises_with_k_and_the_last_line_is_one_json_object() {
        Path in = benchmark("pairs.jsonl", 160);

        // Independent samples: the gain of k is the whole point here, not the paper's plateau.
        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--sim-profile", "independent",
                "--sim-accuracy", "0.65", "--k", "1,4,8,32");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode last = lastLine(run);
        assertThat(fieldNames(last)).containsExactly("accuracy", "items", "samples_per_item");
        assertThat(last.get("items").asInt()).isEqualTo(160);
        JsonNode accuracy = last.get("accuracy");
        assertThat(fieldNames(accuracy)).containsExactly("1", "4", "8", "32");
        accuracy.forEach(value -> assertThat(value.asDouble()).isBetween(0.0, 1.0));
        assertThat(accuracy.get("32").asDouble()).isGreaterThanOrEqualTo(accuracy.get("1").asDouble() + 0.10);
    }

    @Test
    void the_table_shows_each_subset_each_position_of_the_best_and_failed_votes() {
        Path in = benchmark("pairs.jsonl", 40);

        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--k", "1,3");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out())
                .contains("Voting@1", "Voting@3")
                .containsPattern("overall +40 ")
                .containsPattern("Bench/math +20 ")
                .containsPattern("Bench/chat +20 ")
                .containsPattern("best is response 1 +20 ")
                .containsPattern("best is response 2 +20 ")
                .containsPattern("failed votes \\(counted wrong\\) +0 +0")
                .contains("samples: 120 run, 120 valid");
        assertThat(run.err()).contains(BackendOptions.SIMULATED_NOTE);
    }

    @Test
    void shuffle_both_runs_twice_and_shuffling_cancels_the_judges_position_bias() {
        Path in = benchmark("pairs.jsonl", 160);

        // Independent samples: the mechanism alone, not the paper profile's items that no order rescues.
        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--sim-profile", "independent",
                "--sim-accuracy", "0.65", "--sim-position-bias", "0.3", "--k", "1,32", "--shuffle", "both");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode last = lastLine(run);
        assertThat(fieldNames(last)).containsExactlyInAnyOrder("accuracy", "accuracy_no_shuffle", "items", "samples_per_item");
        double shuffled = last.get("accuracy").get("32").asDouble();
        double unshuffled = last.get("accuracy_no_shuffle").get("32").asDouble();
        assertThat(shuffled).isGreaterThan(unshuffled + 0.05);
        assertThat(run.out()).contains("shuffle balanced,", "shuffle off,", "shuffle balanced vs off:");
    }

    @Test
    void a_failed_vote_counts_as_wrong_and_is_reported() {
        Path in = benchmark("pairs.jsonl", 10);

        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--sim-malformed-rate", "1",
                "--k", "1,4");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode accuracy = lastLine(run).get("accuracy");
        assertThat(accuracy.get("1").asDouble()).isZero();
        assertThat(accuracy.get("4").asDouble()).isZero();
        assertThat(run.out()).containsPattern("failed votes \\(counted wrong\\) +10 +10")
                .contains("samples: 40 run, 0 valid");
    }

    @Test
    void lines_that_cannot_be_evaluated_are_skipped_reported_and_exit_3() {
        List<String> lines = new ArrayList<>();
        lines.add(item(1, "math", 0));
        lines.add("{\"id\": \"broken\", ");
        lines.add(Jsonl.item("no-best", "Say hi.", List.of("Hi!", "Go away."), null));
        lines.add(item(2, "math", 1));
        Path in = Jsonl.write(dir.resolve("mixed.jsonl"), lines);

        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--k", "1");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
        assertThat(lastLine(run).get("items").asInt()).isEqualTo(2);
        assertThat(run.out()).contains("skipped 2 lines: line 2: not valid JSON",
                "line 3: best: missing; eval needs the true best response");
    }

    @Test
    void limit_evaluates_only_the_first_lines() {
        Path in = benchmark("pairs.jsonl", 30);

        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--k", "1", "--limit", "7");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(lastLine(run).get("items").asInt()).isEqualTo(7);
    }

    @Test
    void the_same_seed_gives_the_same_figures() {
        Path in = benchmark("pairs.jsonl", 60);
        String[] args = {"eval", "--in", in.toString(), "--backend", "simulated", "--sim-accuracy", "0.6",
                "--k", "1,2,5", "--concurrency", "3"};

        String first = lastLine(grm(args)).toString();
        String again = lastLine(grm(args)).toString();

        assertThat(again).isEqualTo(first);
    }

    @Test
    void the_k_values_may_come_in_any_order_and_repeat() {
        Path in = benchmark("pairs.jsonl", 8);

        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--k", "8,1,4,1");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(fieldNames(lastLine(run).get("accuracy"))).containsExactly("1", "4", "8");
    }

    @Test
    void bad_options_are_usage_errors() {
        Path in = benchmark("pairs.jsonl", 2);

        assertThat(grm("eval", "--in", in.toString(), "--backend", "simulated", "--k", "0").err())
                .contains("--k values must be in 1..1024, was 0");
        assertThat(grm("eval", "--in", in.toString(), "--backend", "simulated", "--shuffle", "sometimes").err())
                .contains("--shuffle must be balanced, random, off or both, was 'sometimes'");
        assertThat(grm("eval", "--in", dir.resolve("missing.jsonl").toString(), "--backend", "simulated").exitCode())
                .isEqualTo(2);
        assertThat(grm("eval", "--in", in.toString(), "--backend", "simulated", "--limit", "-1").exitCode())
                .isEqualTo(2);
    }

    @Test
    void subset_labels_read_source_and_subset_when_present() {
        assertThat(EvalRun.subsetOf("{\"source\": \"LLMBar\", \"subset\": \"natural\"}")).isEqualTo("LLMBar/natural");
        assertThat(EvalRun.subsetOf("{\"subset\": \"natural\"}")).isEqualTo("natural");
        assertThat(EvalRun.subsetOf("{\"source\": \"LLMBar\"}")).isEqualTo("LLMBar");
        assertThat(EvalRun.subsetOf("{\"source\": 3}")).isEqualTo("(unlabelled)");
        assertThat(EvalRun.subsetOf("{}")).isEqualTo("(unlabelled)");
    }

    /** {@code count} pairs, half "math" and half "chat", the true best alternating between the two positions. */
    private Path benchmark(String name, int count) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            lines.add(item(i, i % 2 == 0 ? "math" : "chat", (i / 2) % 2));
        }
        return Jsonl.write(dir.resolve(name), lines);
    }

    private static String item(int n, String subset, int best) {
        String good = "It is " + (2 * n) + ": " + n + " + " + n + " = " + (2 * n) + ".";
        String bad = "It is " + (2 * n + 1) + ", I think.";
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", "item-" + n);
        node.put("source", "Bench");
        node.put("subset", subset);
        node.put("prompt", "What is " + n + " + " + n + "?");
        node.putArray("responses").add(best == 0 ? good : bad).add(best == 0 ? bad : good);
        node.put("best", best);
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode lastLine(CliRun run) {
        String[] lines = run.out().strip().split("\n");
        return CliRun.parse(lines[lines.length - 1]);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
