package dev.grm4j.examples.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.options.ExitCode;
import dev.grm4j.metarm.LogisticMetaRm;
import dev.grm4j.metarm.TrajectoryRecord.TrajectoryReader;
import dev.grm4j.metarm.TrajectoryRecord.TrajectoryWriter;
import dev.grm4j.metarm.TrajectoryRecord;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

class TrainMetaRmCommandTest {

    @TempDir
    static Path dir;

    static Path trajectories;

    /** 200 synthetic pairs, k = 8, from the simulated judge with 40% careless samples: 50 held out, enough that
     * the AUC's noise stays well inside its margin. */
    @BeforeAll
    static void record() throws IOException {
        GroundTruth truth = GroundTruth.create();
        SimulatedJudge judge = SimulatedJudge.builder().accuracy(0.65).carelessRate(0.4).seed(2).groundTruth(truth)
                .build();
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(8).seed(4).build();
        List<GrmRequest> requests = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            List<String> responses = List.of("Reply " + i + ": the train leaves at " + (i % 12 + 1) + " o'clock.",
                    "Reply " + i + ": there is no train on that line any more.");
            truth.register(responses, i % 2);
            requests.add(GrmRequest.of("When does train " + i + " leave?", responses));
        }
        List<VoteResult> votes = voting.voteAll(requests);
        trajectories = dir.resolve("trajectories.jsonl");
        try (TrajectoryWriter writer = TrajectoryWriter.create(trajectories)) {
            for (int i = 0; i < requests.size(); i++) {
                writer.write("train-" + i, requests.get(i), votes.get(i).samples(), OptionalInt.of(i % 2));
            }
        }
    }

    static JsonNode lastLine(CliRun run) {
        String[] lines = run.out().strip().split("\n");
        return CliRun.parse(lines[lines.length - 1]);
    }

    @Test
    void trains_prints_held_out_figures_and_ends_with_one_json_line() throws IOException {
        Path model = dir.resolve("metarm.json");

        CliRun run = CliRun.grm("train-metarm", "--in", trajectories.toString(), "--out", model.toString(),
                "--holdout", "0.25", "--seed", "5");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode last = lastLine(run);
        assertThat(last.properties()).extracting(java.util.Map.Entry::getKey)
                .containsExactly("auc", "accuracy", "log_loss", "train", "holdout", "dropped_incomplete");
        assertThat(last.get("dropped_incomplete").asInt()).isZero();
        assertThat(last.get("auc").asDouble()).isGreaterThan(0.75);
        assertThat(last.get("accuracy").asDouble()).isBetween(0.0, 1.0);
        assertThat(last.get("log_loss").asDouble()).isPositive();
        assertThat(last.get("train").asInt() + last.get("holdout").asInt()).isLessThanOrEqualTo(1600);
        assertThat(last.get("holdout").asInt()).isBetween(340, 460);
        assertThat(run.out()).contains("held out 50 items", "read 1600 samples of 200 items");
        assertThat(LogisticMetaRm.load(model).trained().orElseThrow().holdout().orElseThrow().auc())
                .isEqualTo(last.get("auc").asDouble());
    }

    @Test
    void drops_items_cut_short_or_never_answered_and_says_how_many() throws IOException {
        List<TrajectoryRecord> records = new ArrayList<>(TrajectoryReader.readAll(trajectories));
        // train-0's sample 3 got no answer from the judge; train-199 lost its last sample (a killed run).
        TrajectoryRecord answered = records.get(3);
        records.set(3, TrajectoryRecord.of(answered.item(), answered.sample(), answered.request(),
                Judgement.backendError(new BackendException("HTTP 503 from http://judge/v1/chat/completions: busy",
                        null, true, OptionalInt.of(503), Optional.empty()), answered.order(), Duration.ZERO),
                answered.best()));
        records.remove(records.size() - 1);
        Path damaged = dir.resolve("damaged.jsonl");
        try (TrajectoryWriter writer = TrajectoryWriter.create(damaged)) {
            for (TrajectoryRecord record : records) {
                writer.write(record);
            }
        }

        CliRun run = CliRun.grm("train-metarm", "--in", damaged.toString(), "--out",
                dir.resolve("damaged-model.json").toString(), "--holdout", "0.25", "--seed", "5");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        String said = "dropped 2 incomplete items: 1 with samples the judge never answered (BACKEND_ERROR), "
                + "1 with fewer than 8 samples; training uses the other 198";
        assertThat(run.err()).contains("warning: " + said);
        assertThat(run.out()).contains(said);
        JsonNode last = lastLine(run);
        assertThat(last.get("dropped_incomplete").asInt()).isEqualTo(2);
        assertThat(last.get("train").asInt() + last.get("holdout").asInt()).isLessThanOrEqualTo(198 * 8);
    }

    @Test
    void the_same_file_and_seed_give_the_same_model() throws IOException {
        Path first = dir.resolve("a.json");
        Path second = dir.resolve("b.json");

        CliRun.grm("train-metarm", "--in", trajectories.toString(), "--out", first.toString(), "--seed", "9");
        CliRun.grm("train-metarm", "--in", trajectories.toString(), "--out", second.toString(), "--seed", "9");

        assertThat(Files.readString(second)).isEqualTo(Files.readString(first));
    }

    @Test
    void without_a_holdout_the_figures_are_null() {
        CliRun run = CliRun.grm("train-metarm", "--in", trajectories.toString(), "--out",
                dir.resolve("all.json").toString(), "--holdout", "0");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode last = lastLine(run);
        assertThat(last.get("auc").isNull()).isTrue();
        assertThat(last.get("holdout").asInt()).isZero();
    }

    @Test
    void a_malformed_line_is_reported_by_number_and_nothing_is_written() throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(trajectories, StandardCharsets.UTF_8));
        lines.set(11, "{\"format\": \"grm4j-trajectory\", \"version\": 1,");
        Path bad = dir.resolve("bad.jsonl");
        Files.write(bad, lines, StandardCharsets.UTF_8);
        Path model = dir.resolve("never.json");

        CliRun run = CliRun.grm("train-metarm", "--in", bad.toString(), "--out", model.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(run.err()).contains("error: " + bad + ": line 12: not valid JSON");
        assertThat(model).doesNotExist();
    }

    @Test
    void the_simulated_backend_takes_a_careless_rate() throws IOException {
        Path items = dir.resolve("items.jsonl");
        Files.writeString(items, "{\"id\": \"a\", \"prompt\": \"Capital of France?\", "
                + "\"responses\": [\"Paris\", \"Lyon\"], \"best\": 0}\n", StandardCharsets.UTF_8);

        // The independent profile: every careless sample shows it (the paper profile's show it 30% of the time).
        CliRun careless = CliRun.grm("score", "--in", items.toString(), "--backend", "simulated",
                "--sim-profile", "independent", "--sim-careless-rate", "1");
        CliRun careful = CliRun.grm("score", "--in", items.toString(), "--backend", "simulated",
                "--sim-profile", "independent");
        CliRun outOfRange = CliRun.grm("score", "--in", items.toString(), "--backend", "simulated",
                "--sim-careless-rate", "1.5");
        CliRun openai = CliRun.grm("score", "--in", items.toString(), "--backend", "openai", "--base-url",
                "http://127.0.0.1:9/v1", "--model", "m", "--sim-careless-rate", "0.4");

        assertThat(careless.exitCode()).as(careless.toString()).isZero();
        assertThat(careless.lines().get(0).get("principles").size()).isBetween(1, 2);
        assertThat(careful.lines().get(0).get("principles").size()).isEqualTo(3);
        assertThat(outOfRange.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(outOfRange.err()).contains("--sim-careless-rate must be in 0..1, was 1.5");
        assertThat(openai.err()).contains("--sim-careless-rate applies only with --backend simulated");
    }

    @Test
    void bad_options_are_usage_errors_naming_the_option() {
        CliRun holdout = CliRun.grm("train-metarm", "--in", trajectories.toString(), "--out",
                dir.resolve("x.json").toString(), "--holdout", "1");
        CliRun missing = CliRun.grm("train-metarm", "--in", dir.resolve("nope.jsonl").toString(), "--out",
                dir.resolve("x.json").toString());
        CliRun same = CliRun.grm("train-metarm", "--in", trajectories.toString(), "--out", trajectories.toString());

        assertThat(holdout.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(holdout.err()).contains("--holdout must be in [0, 1), was 1.0");
        assertThat(missing.err()).contains("--in: file not found");
        assertThat(same.err()).contains("--out names the same file as --in");
    }
}
