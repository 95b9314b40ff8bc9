package dev.grm4j.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A figure that is undefined (an accuracy of no items, a share of no samples, a held-out AUC with nothing
 * held out) is printed as a dash or "n/a" for people and as JSON null for programs: never NaN or
 * Infinity, which a reader takes for a bug and which is not even JSON. Each command runs on the edge
 * input that would make it divide by zero.
 */
class CliNeverPrintsNaNTest {

    @TempDir
    static Path dir;

    static Path pairs;

    @BeforeAll
    static void items() {
        pairs = Jsonl.write(dir.resolve("pairs.jsonl"), IntStream.rangeClosed(1, 6).mapToObj(Jsonl::pair).toList());
    }

    /** Every sample of the simulated judge unparseable: no item gets a vote. */
    private static final List<String> JUDGE_ALWAYS_MALFORMED = List.of("--backend", "simulated",
            "--sim-malformed-rate", "1");

    private static String[] args(List<String> command, List<String> more) {
        return Stream.concat(command.stream(), more.stream()).toArray(String[]::new);
    }

    private static void assertNoNaN(CliRun run) {
        assertThat(run.out()).as(run.toString()).doesNotContain("NaN", "Infinity");
        assertThat(run.err()).as(run.toString()).doesNotContain("NaN", "Infinity");
    }

    private static void assertNoNaN(Path file) throws IOException {
        assertThat(Files.readString(file)).as(file.toString()).doesNotContain("NaN", "Infinity");
    }

    @Test
    void score_where_no_item_gets_a_vote() {
        CliRun run = grm(args(List.of("score", "--in", pairs.toString(), "--k", "4"), JUDGE_ALWAYS_MALFORMED));

        assertThat(run.lines()).as(run.toString()).hasSize(6);
        assertNoNaN(run);
    }

    @Test
    void eval_where_every_vote_fails_with_its_report_and_record() throws IOException {
        Path report = dir.resolve("report-failed");
        Path record = dir.resolve("failed-record.jsonl");

        CliRun run = grm(args(List.of("eval", "--in", pairs.toString(), "--k", "1,4", "--shuffle", "both",
                "--report", report.toString(), "--record", record.toString()), JUDGE_ALWAYS_MALFORMED));

        assertNoNaN(run);
        JsonNode last = CliRun.parse(run.out().strip().lines().reduce((first, second) -> second).orElseThrow());
        assertThat(last.get("accuracy").get("4").asDouble()).isZero();
        try (Stream<Path> files = Files.list(report)) {
            for (Path file : files.toList()) {
                assertNoNaN(file);
            }
        }
        assertNoNaN(record);
    }

    @Test
    void eval_of_a_file_without_one_valid_item() throws IOException {
        Path invalid = Files.writeString(dir.resolve("invalid.jsonl"), "{\"prompt\": \"no responses\"}\nnot json\n");
        Path report = dir.resolve("report-invalid");

        CliRun run = grm("eval", "--in", invalid.toString(), "--backend", "simulated", "--report", report.toString());

        assertNoNaN(run);
        if (Files.isDirectory(report)) {
            try (Stream<Path> files = Files.list(report)) {
                for (Path file : files.toList()) {
                    assertNoNaN(file);
                }
            }
        }
    }

    @Test
    void bench_cost_on_a_single_item() {
        Path one = Jsonl.write(dir.resolve("one.jsonl"), List.of(Jsonl.pair(1)));

        CliRun run = grm("bench", "--cost", "--in", one.toString(), "--k", "1");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertNoNaN(run);
    }

    @Test
    void rft_where_no_sample_parses() {
        CliRun run = grm(args(List.of("rft", "--in", pairs.toString(), "--out", dir.resolve("sft.jsonl").toString()),
                JUDGE_ALWAYS_MALFORMED));

        assertNoNaN(run);
    }

    @Test
    void train_metarm_on_trajectories_of_which_none_parsed_and_without_a_holdout() throws IOException {
        Path record = dir.resolve("malformed-record.jsonl");
        grm(args(List.of("eval", "--in", pairs.toString(), "--k", "2", "--record", record.toString()),
                JUDGE_ALWAYS_MALFORMED));
        Path healthy = dir.resolve("healthy-record.jsonl");
        grm("eval", "--in", pairs.toString(), "--k", "2", "--backend", "simulated", "--record", healthy.toString());

        CliRun malformed = grm("train-metarm", "--in", record.toString(), "--out", dir.resolve("m1.json").toString());
        CliRun noHoldout = grm("train-metarm", "--in", healthy.toString(), "--out", dir.resolve("m2.json").toString(),
                "--holdout", "0");

        assertNoNaN(malformed);
        assertNoNaN(noHoldout);
    }

    @Test
    void models_and_the_help_of_every_command() {
        assertNoNaN(grm("models"));
        for (String command : List.of("score", "eval", "bench", "serve", "sim-server", "rft", "train-metarm", "models")) {
            assertNoNaN(grm(command, "--help"));
        }
    }
}
