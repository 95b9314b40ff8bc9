package dev.grm4j.examples.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.cli.Jsonl;
import dev.grm4j.metarm.LogisticMetaRm;
import dev.grm4j.metarm.TrajectoryRecord.TrajectoryReader;
import dev.grm4j.metarm.TrajectoryRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code grm eval --record}, {@code --meta} and {@code --offset}: the meta RM's round trip through the CLI. */
class EvalMetaRmTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void record_writes_every_sample_of_the_largest_k_with_its_label_readable_by_train_metarm() throws IOException {
        Path in = benchmark("pairs.jsonl", 12);
        Path record = dir.resolve("run.trajectories.jsonl");

        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--sim-accuracy", "0.7",
                "--k", "2,5", "--record", record.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        List<TrajectoryRecord> records = TrajectoryReader.readAll(record);
        assertThat(records).hasSize(12 * 5);
        Map<String, Long> perItem = records.stream()
                .collect(Collectors.groupingBy(TrajectoryRecord::item, TreeMap::new, Collectors.counting()));
        assertThat(perItem).hasSize(12).allSatisfy((item, samples) -> assertThat(samples).isEqualTo(5L));
        assertThat(records).allSatisfy(trajectory -> assertThat(trajectory.label()).isPresent());
        assertThat(records.stream().map(TrajectoryRecord::sample).distinct().sorted().toList())
                .containsExactly(0, 1, 2, 3, 4);
        assertThat(run.out()).contains("recorded 60 samples to " + record);
        assertThat(lastLine(run).get("items").asInt()).isEqualTo(12);
    }

    @Test
    void record_with_shuffle_both_keeps_one_sample_set_per_item() throws IOException {
        Path in = benchmark("pairs.jsonl", 4);
        Path record = dir.resolve("both.jsonl");

        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--k", "3", "--shuffle", "both",
                "--record", record.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(TrajectoryReader.readAll(record)).hasSize(4 * 3);
    }

    @Test
    void record_refuses_to_overwrite_the_input_and_a_missing_directory() {
        Path in = benchmark("pairs.jsonl", 2);

        CliRun same = grm("eval", "--in", in.toString(), "--backend", "simulated", "--record", in.toString());
        CliRun nowhere = grm("eval", "--in", in.toString(), "--backend", "simulated",
                "--record", dir.resolve("no/such/dir/run.jsonl").toString());

        assertThat(same.exitCode()).isEqualTo(2);
        assertThat(same.err()).contains("--record names an input file");
        assertThat(nowhere.exitCode()).isEqualTo(2);
        assertThat(nowhere.err()).contains("--record: directory not found");
    }

    @Test
    void offset_and_limit_select_a_slice_of_the_file() throws IOException {
        Path in = benchmark("pairs.jsonl", 10);
        Path record = dir.resolve("slice.jsonl");

        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--k", "1",
                "--offset", "5", "--limit", "3", "--record", record.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(lastLine(run).get("items").asInt()).isEqualTo(3);
        assertThat(TrajectoryReader.readAll(record).stream().map(TrajectoryRecord::item).distinct().toList())
                .containsExactlyInAnyOrder("item-5", "item-6", "item-7");
        assertThat(grm("eval", "--in", in.toString(), "--backend", "simulated", "--offset", "-1").err())
                .contains("--offset must be >= 0, was -1");
    }

    @Test
    void meta_reports_metarm_at_k_beside_voting_at_k_trained_on_the_other_half_of_the_file() {
        // given: a judge with careless samples, recorded on the first half and trained on by grm train-metarm
        Path in = benchmark("pairs.jsonl", 160);
        Path record = dir.resolve("train.jsonl");
        Path model = dir.resolve("meta.json");
        String[] judge = {"--backend", "simulated", "--sim-accuracy", "0.65", "--sim-careless-rate", "0.4"};
        CliRun recorded = grm(concat(new String[]{"eval", "--in", in.toString(), "--k", "16", "--limit", "80",
                "--record", record.toString()}, judge));
        assertThat(recorded.exitCode()).as(recorded.toString()).isZero();
        CliRun trained = grm("train-metarm", "--in", record.toString(), "--out", model.toString(), "--seed", "1");
        assertThat(trained.exitCode()).as(trained.toString()).isZero();

        // when: the other half is evaluated with the model
        CliRun run = grm(concat(new String[]{"eval", "--in", in.toString(), "--k", "4,16", "--offset", "80",
                "--meta", model.toString()}, judge));

        // then
        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode last = lastLine(run);
        assertThat(fieldNames(last)).containsExactly("accuracy", "items", "samples_per_item");
        assertThat(last.get("items").asInt()).isEqualTo(80);
        JsonNode accuracy = last.get("accuracy");
        assertThat(fieldNames(accuracy)).containsExactly("4", "meta@4", "16", "meta@16");
        accuracy.forEach(value -> assertThat(value.asDouble()).isBetween(0.0, 1.0));
        assertThat(accuracy.get("meta@16").asDouble()).isGreaterThanOrEqualTo(accuracy.get("16").asDouble());
        assertThat(run.out()).contains("Voting@4", "MetaRM@4", "Voting@16", "MetaRM@16", "meta RM meta.json")
                .containsPattern("meta RM failed, plain vote used +0 +0");
    }

    @Test
    void meta_with_a_model_trained_in_process_and_shuffle_both_keeps_both_figures() throws IOException {
        Path in = benchmark("pairs.jsonl", 40);
        Path record = dir.resolve("train.jsonl");
        assertThat(grm("eval", "--in", in.toString(), "--backend", "simulated", "--sim-careless-rate", "0.3",
                "--k", "8", "--record", record.toString()).exitCode()).isZero();
        Path model = dir.resolve("meta.json");
        LogisticMetaRm.trainer().holdout(0).seed(3).train(TrajectoryReader.readAll(record)).save(model);

        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--sim-careless-rate", "0.3",
                "--k", "8", "--shuffle", "both", "--meta", model.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode last = lastLine(run);
        assertThat(fieldNames(last.get("accuracy"))).containsExactly("8", "meta@8");
        assertThat(fieldNames(last.get("accuracy_no_shuffle"))).containsExactly("8", "meta@8");
        assertThat(run.out()).contains("MetaRM@8");
    }

    @Test
    void a_missing_or_corrupt_meta_model_is_a_usage_error_naming_meta() throws IOException {
        Path in = benchmark("pairs.jsonl", 2);
        Path corrupt = Files.writeString(dir.resolve("corrupt.json"), "{\"format\": \"grm4j-metarm\", \"version\"");
        Path wrong = Files.writeString(dir.resolve("wrong.json"), "{\"format\": \"something-else\", \"version\": 1}");

        CliRun missing = grm("eval", "--in", in.toString(), "--backend", "simulated",
                "--meta", dir.resolve("absent.json").toString());
        CliRun broken = grm("eval", "--in", in.toString(), "--backend", "simulated", "--meta", corrupt.toString());
        CliRun other = grm("eval", "--in", in.toString(), "--backend", "simulated", "--meta", wrong.toString());

        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("--meta: file not found:", "absent.json");
        assertThat(broken.exitCode()).isEqualTo(2);
        assertThat(broken.err()).contains("--meta:", "corrupt.json", "is not a meta RM model");
        assertThat(other.exitCode()).isEqualTo(2);
        assertThat(other.err()).contains("--meta:", "wrong.json");
        assertThat(missing.out() + broken.out() + other.out()).isEmpty();
    }

    private static String[] concat(String[] first, String[] second) {
        String[] all = new String[first.length + second.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    /** {@code count} pairs, the true best alternating between the two positions. */
    private Path benchmark(String name, int count) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            lines.add(item(i, (i / 2) % 2));
        }
        return Jsonl.write(dir.resolve(name), lines);
    }

    static String item(int n, int best) {
        String good = "It is " + (2 * n) + ": " + n + " + " + n + " = " + (2 * n) + ".";
        String bad = "It is " + (2 * n + 1) + ", I think.";
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", "item-" + n);
        node.put("source", "Bench");
        node.put("subset", n % 2 == 0 ? "math" : "chat");
        node.put("prompt", "What is " + n + " + " + n + "?");
        node.putArray("responses").add(best == 0 ? good : bad).add(best == 0 ? bad : good);
        node.put("best", best);
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode lastLine(CliRun run) {
        String[] lines = run.out().strip().split("\n");
        return CliRun.parse(lines[lines.length - 1]);
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
