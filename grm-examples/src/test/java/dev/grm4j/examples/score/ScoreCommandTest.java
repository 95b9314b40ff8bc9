package dev.grm4j.examples.score;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.cli.Jsonl;
import dev.grm4j.examples.options.BackendOptions;
import dev.grm4j.examples.options.ExitCode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;

class ScoreCommandTest {

    @TempDir
    Path dir;

    @Test
    void writes_one_line_per_input_line_in_order_and_exits_3_when_some_lines_are_invalid() {
        Path in = Jsonl.write(dir.resolve("mixed.jsonl"), List.of(
                Jsonl.pair(1),
                "{\"id\": \"broken\", \"prompt\": \"unterminated",
                Jsonl.item("empty", "Say hi.", List.of(), null),
                Jsonl.item("four", "Name a prime.", List.of("2", "4", "6", "9"), 0),
                Jsonl.pair(5)));

        CliRun run = grm("score", "--in", in.toString(), "--backend", "simulated");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
        List<JsonNode> lines = run.lines();
        assertThat(lines).hasSize(5);
        assertThat(lines).extracting(line -> line.get("id").isNull() ? null : line.get("id").asText())
                .containsExactly("item-1", null, "empty", "four", "item-5");
        assertThat(lines).extracting(line -> line.get("outcome").asText())
                .containsExactly("SCORED", "INVALID_INPUT", "INVALID_INPUT", "SCORED", "SCORED");

        JsonNode malformed = lines.get(1);
        assertThat(malformed.get("line").asInt()).isEqualTo(2);
        assertThat(malformed.get("error").asText()).startsWith("line 2: not valid JSON");
        assertThat(malformed.has("scores")).isFalse();

        JsonNode empty = lines.get(2);
        assertThat(empty.get("line").asInt()).isEqualTo(3);
        assertThat(empty.get("error").asText()).isEqualTo("line 3: responses: empty; at least 1 response is required");

        JsonNode four = lines.get(3);
        assertThat(four.get("scores")).hasSize(4);
        assertThat(four.get("best").asInt()).isBetween(0, 3);

        assertThat(run.err()).contains(BackendOptions.SIMULATED_NOTE)
                .contains("scored 3 of 5 lines (2 invalid input: lines 2, 3)");
    }

    @Test
    void exits_0_when_every_line_is_scored() {
        List<String> items = new ArrayList<>();
        IntStream.rangeClosed(1, 6).forEach(n -> items.add(Jsonl.pair(n)));
        items.add(Jsonl.item("single", "Write a haiku about rain.", List.of("Rain taps the window..."), null));
        Path in = Jsonl.write(dir.resolve("valid.jsonl"), items);

        CliRun run = grm("score", "--in", in.toString(), "--backend", "simulated", "--concurrency", "3");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        List<JsonNode> lines = run.lines();
        assertThat(lines).hasSize(7);
        for (JsonNode line : lines) {
            assertThat(line.get("outcome").asText()).isEqualTo("SCORED");
            int responses = line.get("id").asText().equals("single") ? 1 : 2;
            assertThat(line.get("scores")).hasSize(responses);
            assertThat(line.get("best").asInt()).isBetween(0, responses - 1);
            assertThat(line.get("tie_broken").isBoolean()).isTrue();
            assertThat(line.get("principles")).isNotEmpty();
            assertThat(line.get("principles").get(0).get("text").asText()).isNotBlank();
            assertThat(line.get("principles").get(0).get("weight").isNumber()).isTrue();
            assertThat(line.get("critique").asText()).isNotBlank();
            assertThat(line.has("error")).isFalse();
        }
        assertThat(run.err()).contains("scored 7 of 7 lines");
    }

    @Test
    void scores_through_the_real_openai_client_against_a_loopback_server() {
        List<String> items = List.of(Jsonl.pair(1), Jsonl.pair(2),
                Jsonl.item("three", "Pick the prime.", List.of("9", "7", "8"), 1));
        Path in = Jsonl.write(dir.resolve("http.jsonl"), items);
        SimulatedJudge judge = SimulatedJudge.builder().accuracy(0.8).groundTruth(GroundTruth.create()).build();

        try (SimulatedJudgeServer server = SimulatedJudgeServer.builder(judge).build().start()) {
            CliRun run = grm("score", "--in", in.toString(), "--backend", "openai",
                    "--base-url", server.baseUrl(), "--model", "simulated-judge", "--concurrency", "2");

            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.lines()).extracting(line -> line.get("outcome").asText())
                    .containsExactly("SCORED", "SCORED", "SCORED");
            assertThat(run.lines()).extracting(line -> line.get("scores").size()).containsExactly(2, 2, 3);
            assertThat(run.err()).doesNotContain(BackendOptions.SIMULATED_NOTE);
            assertThat(server.requestCount()).isEqualTo(3);
        }
    }

    @Test
    void gives_the_same_output_over_http_as_the_in_process_simulated_backend() {
        List<String> items = List.of(Jsonl.pair(1), Jsonl.pair(2),
                Jsonl.item("three", "Pick the prime.", List.of("9", "7", "8"), 1));
        Path in = Jsonl.write(dir.resolve("http.jsonl"), items);
        GroundTruth truth = GroundTruth.create()
                .register(List.of("It is 2.", "It is 3, I think."), 0)
                .register(List.of("It is 4.", "It is 5, I think."), 0)
                .register(List.of("9", "7", "8"), 1);
        SimulatedJudge judge = SimulatedJudge.builder().accuracy(0.8).seed(11).groundTruth(truth).build();

        CliRun local = grm("score", "--in", in.toString(), "--backend", "simulated", "--sim-profile", "independent",
                "--seed", "11");
        try (SimulatedJudgeServer server = SimulatedJudgeServer.builder(judge).build().start()) {
            CliRun remote = grm("score", "--in", in.toString(), "--backend", "openai", "--seed", "11",
                    "--base-url", server.baseUrl(), "--model", "simulated-judge");

            assertThat(remote.exitCode()).as(remote.toString()).isZero();
            assertThat(remote.out()).isEqualTo(local.out());
        }
    }

    @Test
    void reports_every_line_unparseable_without_scores_when_the_judge_always_breaks_the_format() {
        Path in = Jsonl.write(dir.resolve("valid.jsonl"), List.of(Jsonl.pair(1), Jsonl.pair(2), Jsonl.pair(3)));

        CliRun run = grm("score", "--in", in.toString(), "--backend", "simulated", "--sim-malformed-rate", "1");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
        assertThat(run.lines()).hasSize(3).allSatisfy(line -> {
            assertThat(line.get("outcome").asText()).isEqualTo("UNPARSEABLE");
            assertThat(line.get("error").asText()).isNotBlank();
            assertThat(line.has("scores")).isFalse();
            assertThat(line.has("best")).isFalse();
        });
        assertThat(run.err()).contains("scored 0 of 3 lines (3 unparseable: lines 1, 2, 3)");
    }

    @Test
    void exits_2_naming_in_when_the_input_file_is_missing() {
        CliRun run = grm("score", "--in", dir.resolve("nope.jsonl").toString(), "--backend", "simulated");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--in").contains("nope.jsonl");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void exits_2_naming_base_url_when_openai_has_no_endpoint() {
        Path in = Jsonl.write(dir.resolve("valid.jsonl"), List.of(Jsonl.pair(1)));

        CliRun run = grm("score", "--in", in.toString(), "--backend", "openai", "--model", "m");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--base-url");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void never_prints_the_api_key_even_when_the_backend_fails() throws IOException {
        Path in = Jsonl.write(dir.resolve("valid.jsonl"), List.of(Jsonl.pair(1), Jsonl.pair(2)));
        String secret = "sk-secret-123";
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream process = new ByteArrayOutputStream();
        CliRun run;
        // Logs go to the process's streams, not picocli's: capture those too.
        try (PrintStream capture = new PrintStream(process, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            System.setErr(capture);
            run = grm(Map.of("GRM_TEST_KEY", secret), "score", "--in", in.toString(), "--backend", "openai",
                    "--base-url", "http://127.0.0.1:" + closedPort() + "/v1", "--model", "m",
                    "--api-key-env", "GRM_TEST_KEY");
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }

        // A judge that refuses connections stops the run before a line is written.
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(run.lines()).isEmpty();
        assertThat(run.err()).contains("connection refused");
        assertThat(run.out()).doesNotContain(secret);
        assertThat(run.err()).doesNotContain(secret);
        assertThat(process.toString(StandardCharsets.UTF_8)).doesNotContain(secret);
    }

    @Test
    void exits_2_naming_the_variable_when_the_api_key_env_is_unset() {
        Path in = Jsonl.write(dir.resolve("valid.jsonl"), List.of(Jsonl.pair(1)));

        CliRun run = grm(Map.of("EMPTY_KEY", " "), "score", "--in", in.toString(), "--backend", "openai",
                "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--api-key-env", "EMPTY_KEY");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--api-key-env").contains("EMPTY_KEY").contains("empty");
    }

    @Test
    void gives_byte_identical_output_for_the_same_seed() {
        List<String> items = new ArrayList<>();
        IntStream.rangeClosed(1, 24).forEach(n -> items.add(n % 3 == 0
                ? Jsonl.item("free-" + n, "Rank these.", List.of("a" + n, "b" + n, "c" + n), null)
                : Jsonl.pair(n)));
        Path in = Jsonl.write(dir.resolve("seeded.jsonl"), items);
        String[] args = {"score", "--in", in.toString(), "--backend", "simulated", "--seed", "42",
                "--concurrency", "5", "--sim-accuracy", "0.5", "--sim-latency-ms", "2"};

        CliRun first = grm(args);
        CliRun second = grm(args);
        args[6] = "43";
        CliRun otherSeed = grm(args);

        assertThat(first.exitCode()).isZero();
        assertThat(second.out()).isEqualTo(first.out());
        assertThat(otherSeed.out()).isNotEqualTo(first.out());
    }

    @Test
    void writes_to_the_out_file_instead_of_standard_output() throws IOException {
        Path in = Jsonl.write(dir.resolve("valid.jsonl"), List.of(Jsonl.pair(1), Jsonl.pair(2)));
        Path out = dir.resolve("scores.jsonl");

        CliRun toFile = grm("score", "--in", in.toString(), "--out", out.toString(), "--backend", "simulated");
        CliRun toStdout = grm("score", "--in", in.toString(), "--backend", "simulated");

        assertThat(toFile.exitCode()).isZero();
        assertThat(toFile.out()).isEmpty();
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo(toStdout.out());
    }

    @Test
    void replaces_an_existing_out_file_when_not_resuming() throws IOException {
        Path in = Jsonl.write(dir.resolve("valid.jsonl"), List.of(Jsonl.pair(1)));
        Path out = Files.writeString(dir.resolve("scores.jsonl"), "an older, longer file\n".repeat(100));

        CliRun run = grm("score", "--in", in.toString(), "--out", out.toString(), "--backend", "simulated");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(1);
        assertThat(CliRun.parse(lines.get(0)).get("id").asText()).isEqualTo("item-1");
    }

    @Test
    void writes_to_a_device_such_as_dev_null() {
        Path devNull = Path.of("/dev/null");
        Assumptions.assumeTrue(Files.exists(devNull), "a system with /dev/null");
        Path in = Jsonl.write(dir.resolve("valid.jsonl"), List.of(Jsonl.pair(1), Jsonl.pair(2)));

        CliRun run = grm("score", "--in", in.toString(), "--out", devNull.toString(), "--backend", "simulated");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.err()).contains("scored 2 of 2 lines");
    }

    @Test
    void lists_resume_and_progress_in_its_help() {
        CliRun run = grm("score", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("--resume").contains("--[no-]progress")
                .contains("a run that is killed loses only the lines in flight");
    }

    @Test
    void reports_blank_lines_instead_of_dropping_them() {
        Path in = Jsonl.write(dir.resolve("gaps.jsonl"), List.of(Jsonl.pair(1), "", "   ", Jsonl.pair(4)));

        CliRun run = grm("score", "--in", in.toString(), "--backend", "simulated");

        assertThat(run.lines()).extracting(line -> line.get("outcome").asText())
                .containsExactly("SCORED", "INVALID_INPUT", "INVALID_INPUT", "SCORED");
        assertThat(run.lines().get(2).get("error").asText()).isEqualTo("line 3: blank line; expected a JSON object");
    }

    @Test
    void rejects_options_that_do_not_apply_to_the_backend() {
        Path in = Jsonl.write(dir.resolve("valid.jsonl"), List.of(Jsonl.pair(1)));

        CliRun simulated = grm("score", "--in", in.toString(), "--backend", "simulated", "--model", "m");
        CliRun openai = grm("score", "--in", in.toString(), "--backend", "openai", "--base-url",
                "http://127.0.0.1:9/v1", "--model", "m", "--sim-accuracy", "0.9");
        CliRun unknown = grm("score", "--in", in.toString(), "--backend", "gpt");
        CliRun outOfRange = grm("score", "--in", in.toString(), "--backend", "simulated", "--sim-accuracy", "1.5");
        CliRun noSlots = grm("score", "--in", in.toString(), "--backend", "simulated", "--concurrency", "0");

        assertThat(simulated.exitCode()).isEqualTo(2);
        assertThat(simulated.err()).contains("--model applies only with --backend openai");
        assertThat(openai.exitCode()).isEqualTo(2);
        assertThat(openai.err()).contains("--sim-accuracy applies only with --backend simulated");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("--backend").contains("expected simulated or openai");
        assertThat(outOfRange.exitCode()).isEqualTo(2);
        assertThat(outOfRange.err()).contains("--sim-accuracy must be in 0..1, was 1.5");
        assertThat(noSlots.exitCode()).isEqualTo(2);
        assertThat(noSlots.err()).contains("--concurrency must be in 1..1024, was 0");
    }

    @Test
    void exits_2_without_a_command() {
        CliRun run = grm();

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("missing command");
    }

    /** A loopback port nothing listens on: bound once, then released. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
