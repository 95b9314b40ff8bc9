package dev.grm4j.examples.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.cli.Jsonl;
import dev.grm4j.examples.options.BackendOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;

class RftCommandTest {

    private static final List<String> SUMMARY_KEYS = List.of("items", "sampled", "accepted", "rejected_wrong",
            "rejected_too_easy", "hinted_accepted", "rejected_hint_leak", "failed", "too_easy_items", "skipped");

    @TempDir
    Path dir;

    /** Twenty labelled items: pairs and triples, the best one at varying positions. */
    private Path bench() {
        List<String> items = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            if (i % 2 == 0) {
                items.add(Jsonl.pair(i));
            } else {
                items.add(Jsonl.item("triple-" + i, "Name a prime above " + i + ".",
                        List.of("It is " + (i + 1) * 4 + ".", "Try " + nextPrime(i) + ".", "There is none."), 1));
            }
        }
        return Jsonl.write(dir.resolve("bench.jsonl"), items);
    }

    private static int nextPrime(int n) {
        for (int p = n + 1; ; p++) {
            boolean prime = true;
            for (int d = 2; d * d <= p; d++) {
                prime &= p % d != 0;
            }
            if (prime) {
                return p;
            }
        }
    }

    private static List<JsonNode> jsonl(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(CliRun::parse).toList();
    }

    @Test
    void writes_chat_lines_of_kept_trajectories_and_a_last_line_of_counts() throws IOException {
        Path out = dir.resolve("sft.jsonl");

        CliRun run = grm("rft", "--in", bench().toString(), "--out", out.toString(), "--n", "3", "--hinted",
                "--seed", "7", "--backend", "simulated", "--sim-accuracy", "0.6");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        List<JsonNode> stdout = run.lines();
        JsonNode summary = stdout.get(stdout.size() - 1);
        assertThat(summary.fieldNames()).toIterable().containsExactlyElementsOf(SUMMARY_KEYS);
        assertThat(summary.get("items").asInt()).isEqualTo(20);
        assertThat(summary.get("skipped").asInt()).isZero();
        long sampled = summary.get("sampled").asLong();
        long hintedSamples = 20 - summary.get("too_easy_items").asLong();
        assertThat(sampled).isEqualTo(20 * 3 + hintedSamples);
        assertThat(sampled).isEqualTo(summary.get("accepted").asLong() + summary.get("rejected_wrong").asLong()
                + summary.get("rejected_too_easy").asLong() + summary.get("rejected_hint_leak").asLong());
        assertThat(summary.get("rejected_too_easy").asLong()).isEqualTo(3 * summary.get("too_easy_items").asLong());
        // the seeded run exercises every rule
        assertThat(summary.get("accepted").asInt()).isPositive();
        assertThat(summary.get("rejected_wrong").asInt()).isPositive();
        assertThat(summary.get("too_easy_items").asInt()).isPositive();
        assertThat(summary.get("hinted_accepted").asInt()).isPositive();

        List<JsonNode> lines = jsonl(out);
        assertThat(lines).hasSize(summary.get("accepted").asInt());
        for (JsonNode line : lines) {
            assertThat(line.fieldNames()).toIterable().containsExactly("messages");
            JsonNode messages = line.get("messages");
            assertThat(messages).extracting(message -> message.get("role").asText())
                    .containsExactly("system", "user", "assistant");
            assertThat(messages).allSatisfy(message -> assertThat(message.get("content").asText())
                    .isNotBlank().doesNotContain("Hint:").doesNotContainIgnoringCase("is the best one"));
            assertThat(messages.get(1).get("content").asText()).contains("<<<BEGIN RESPONSE 1 #");
            assertThat(messages.get(2).get("content").asText()).contains("Scores: \\boxed{");
        }
    }

    @Test
    void gives_byte_identical_output_for_the_same_seed() throws IOException {
        Path bench = bench();
        Path first = dir.resolve("first.jsonl");
        Path second = dir.resolve("second.jsonl");

        CliRun one = grm("rft", "--in", bench.toString(), "--out", first.toString(), "--hinted", "--seed", "3",
                "--backend", "simulated", "--concurrency", "1");
        CliRun two = grm("rft", "--in", bench.toString(), "--out", second.toString(), "--hinted", "--seed", "3",
                "--backend", "simulated", "--concurrency", "16");

        assertThat(Files.readString(second)).isEqualTo(Files.readString(first));
        assertThat(two.out()).isEqualTo(one.out());
    }

    @Test
    void skips_lines_that_cannot_give_rft_data_and_exits_3() throws IOException {
        Path in = Jsonl.write(dir.resolve("mixed.jsonl"), List.of(
                Jsonl.pair(1),
                Jsonl.item("unlabelled", "Say hi.", List.of("Hi!", "Go away."), null),
                Jsonl.item("single", "Say hi.", List.of("Hi!"), 0),
                "{\"id\": \"broken\"",
                Jsonl.pair(2)));
        Path out = dir.resolve("sft.jsonl");

        CliRun run = grm("rft", "--in", in.toString(), "--out", out.toString(), "--backend", "simulated");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
        JsonNode summary = run.lines().get(run.lines().size() - 1);
        assertThat(summary.get("items").asInt()).isEqualTo(2);
        assertThat(summary.get("skipped").asInt()).isEqualTo(3);
        assertThat(summary.get("sampled").asInt()).isEqualTo(6);
        assertThat(run.err()).contains("skipped line 2: no 'best'")
                .contains("skipped line 3: a single response")
                .contains("skipped line 4: not valid JSON");
        assertThat(jsonl(out)).hasSize(summary.get("accepted").asInt());
    }

    @Test
    void counts_samples_without_a_verdict_and_exits_3() {
        Path out = dir.resolve("sft.jsonl");

        CliRun run = grm("rft", "--in", bench().toString(), "--out", out.toString(), "--backend", "simulated",
                "--sim-malformed-rate", "0.5");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
        JsonNode summary = run.lines().get(run.lines().size() - 1);
        assertThat(summary.get("failed").asInt()).isPositive();
        assertThat(summary.get("rejected_wrong").asInt()).isGreaterThanOrEqualTo(summary.get("failed").asInt());
    }

    @Test
    void samples_through_the_real_openai_client_against_a_loopback_server() throws IOException {
        Path out = dir.resolve("sft.jsonl");
        SimulatedJudge judge = SimulatedJudge.builder().groundTruth(GroundTruth.create()).build();

        try (SimulatedJudgeServer server = SimulatedJudgeServer.builder(judge).build().start()) {
            CliRun run = grm("rft", "--in", bench().toString(), "--out", out.toString(), "--hinted",
                    "--backend", "openai", "--base-url", server.baseUrl(), "--model", "simulated-judge");

            assertThat(run.exitCode()).as(run.toString()).isZero();
            JsonNode summary = run.lines().get(run.lines().size() - 1);
            assertThat(server.requestCount()).isEqualTo(summary.get("sampled").asInt());
            assertThat(jsonl(out)).hasSize(summary.get("accepted").asInt());
            assertThat(run.err()).doesNotContain(BackendOptions.SIMULATED_NOTE);
        }
    }

    @Test
    void refuses_bad_options_with_exit_2() {
        Path in = bench();

        CliRun noOut = grm("rft", "--in", in.toString(), "--backend", "simulated");
        CliRun zero = grm("rft", "--in", in.toString(), "--out", dir.resolve("o.jsonl").toString(), "--n", "0",
                "--backend", "simulated");
        CliRun hot = grm("rft", "--in", in.toString(), "--out", dir.resolve("o.jsonl").toString(),
                "--temperature", "3", "--backend", "simulated");
        CliRun same = grm("rft", "--in", in.toString(), "--out", in.toString(), "--backend", "simulated");

        assertThat(noOut.exitCode()).isEqualTo(2);
        assertThat(noOut.err()).contains("--out");
        assertThat(zero.exitCode()).isEqualTo(2);
        assertThat(zero.err()).contains("--n must be in 1..64, was 0");
        assertThat(hot.exitCode()).isEqualTo(2);
        assertThat(hot.err()).contains("--temperature must be in 0..2, was 3.0");
        assertThat(same.exitCode()).isEqualTo(2);
        assertThat(same.err()).contains("--out names the same file as --in");
    }
}
