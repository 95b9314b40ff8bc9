package dev.grm4j.examples.score;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.cli.Jsonl;
import dev.grm4j.examples.cli.Loopback;
import dev.grm4j.examples.options.ExitCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.stream.IntStream;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code grm score --k K}: a vote per item, stopping early as {@code --adaptive} says. */
class ScoreVotesTest {

    @TempDir
    Path dir;

    @Test
    void each_line_carries_the_summed_scores_and_the_samples_that_ran() {
        CliRun run = grm("score", "--in", pairs(30).toString(), "--backend", "simulated", "--k", "8",
                "--adaptive", "off");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.lines()).hasSize(30).allSatisfy(line -> {
            assertThat(line.get("outcome").asText()).isEqualTo("SCORED");
            assertThat(line.get("k").asInt()).isEqualTo(8);
            assertThat(line.get("samples_run").asInt()).isEqualTo(8);
            assertThat(line.get("valid_samples").asInt()).isEqualTo(8);
            assertThat(line.get("adaptive").asText()).isEqualTo("off");
            JsonNode scores = line.get("scores");
            int best = line.get("best").asInt();
            assertThat(scores.get(best).asInt()).isGreaterThanOrEqualTo(scores.get(1 - best).asInt());
            assertThat(scores.get(0).asInt()).isBetween(8, 80);
            assertThat(line.get("means").get(0).asDouble()).isEqualTo(scores.get(0).asInt() / 8.0);
        });
        assertThat(run.err()).contains("scored 30 of 30 lines");
    }

    @Test
    void auto_by_default_runs_fewer_samples_on_clear_items_and_never_more_than_k() {
        Path in = pairs(60);

        CliRun auto = grm("score", "--in", in.toString(), "--backend", "simulated", "--k", "16");
        CliRun exact = grm("score", "--in", in.toString(), "--backend", "simulated", "--k", "16", "--adaptive", "exact");
        CliRun off = grm("score", "--in", in.toString(), "--backend", "simulated", "--k", "16", "--adaptive", "off");

        assertThat(auto.lines()).allSatisfy(line -> assertThat(line.get("adaptive").asText()).isEqualTo("auto"));
        int autoSamples = samples(auto);
        int exactSamples = samples(exact);
        assertThat(samples(off)).isEqualTo(60 * 16);
        assertThat(autoSamples).isLessThan(exactSamples).isLessThan(60 * 16 / 2);
        assertThat(exactSamples).as("exact stops only when no sample left could turn the vote").isLessThanOrEqualTo(60 * 16);
        assertThat(exact.lines()).extracting(line -> line.get("best").asInt())
                .as("exact never changes a winner").isEqualTo(off.lines().stream().map(line -> line.get("best").asInt()).toList());
    }

    @Test
    void a_judge_that_is_not_there_stops_a_voting_run_too() {
        CliRun run = grm("score", "--in", pairs(20).toString(), "--base-url", Loopback.closedBaseUrl(),
                "--model", "judge", "--k", "4", "--out", dir.resolve("out.jsonl").toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(run.err()).contains("the judge is unreachable");
    }

    @Test
    void k_and_adaptive_out_of_range_are_usage_errors() {
        Path in = pairs(1);

        assertThat(grm("score", "--in", in.toString(), "--backend", "simulated", "--k", "1025").err())
                .contains("--k must be in 1..1024, was 1025");
        assertThat(grm("score", "--in", in.toString(), "--backend", "simulated", "--adaptive", "maybe").err())
                .contains("--adaptive must be off, exact or auto, was 'maybe'");
    }

    private static int samples(CliRun run) {
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return run.lines().stream().mapToInt(line -> line.get("samples_run").asInt()).sum();
    }

    private Path pairs(int n) {
        return Jsonl.write(dir.resolve("pairs-" + n + ".jsonl"), IntStream.rangeClosed(1, n).mapToObj(Jsonl::pair).toList());
    }
}
