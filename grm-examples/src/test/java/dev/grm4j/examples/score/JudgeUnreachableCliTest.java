package dev.grm4j.examples.score;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.testing.Fault;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import dev.grm4j.examples.batch.JudgeWatch;
import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.cli.Jsonl;
import dev.grm4j.examples.cli.Loopback;
import dev.grm4j.examples.options.ExitCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A judge that cannot be reached stops {@code grm score}, {@code eval} and {@code rft} early, with exit
 * code 4 and one message naming the cause; what was written stays valid and, for {@code score},
 * resumable. Every failure names its cause, never a bare class name.
 */
@Timeout(120)
class JudgeUnreachableCliTest {

    private static final String INVALID_KEY = "{\"error\": {\"message\": \"Incorrect API key provided: sk-xx***. You "
            + "can find your API key at https://platform.openai.com/account/api-keys.\", \"type\": "
            + "\"invalid_request_error\", \"code\": \"invalid_api_key\"}}";

    @TempDir
    Path dir;

    private Path items(int n) {
        return Jsonl.write(dir.resolve("items-" + n + ".jsonl"),
                IntStream.rangeClosed(1, n).mapToObj(Jsonl::pair).toList());
    }

    private static SimulatedJudge judge() {
        return SimulatedJudge.builder().accuracy(0.9).seed(3).groundTruth(GroundTruth.create()).build();
    }

    private static String[] openai(String baseUrl, String... more) {
        List<String> args = new ArrayList<>(List.of("--backend", "openai", "--base-url", baseUrl, "--model",
                "simulated-judge"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static String[] concat(String[] first, String... second) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(second));
        return all.toArray(String[]::new);
    }

    private static CliRun score(Path in, Path out, String baseUrl, String... more) {
        return grm(concat(new String[]{"score", "--in", in.toString(), "--out", out.toString()}, openai(baseUrl, more)));
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file);
    }

    // --- grm score ---

    @Test
    void score_stops_at_once_on_a_refused_connection_and_resume_finishes_the_file() throws IOException {
        Path in = items(100);
        Path out = dir.resolve("scored.jsonl");
        String closed = Loopback.closedBaseUrl();

        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        long start = System.nanoTime();
        CliRun stopped;
        // Logs go to the process's standard error, not picocli's: the one message must be alone there too.
        try (PrintStream capture = new PrintStream(logs, true, StandardCharsets.UTF_8)) {
            System.setErr(capture);
            stopped = score(in, out, closed);
        } finally {
            System.setErr(stderr);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(logs.toString(StandardCharsets.UTF_8)).as("nothing logged beside the message").isEmpty();
        assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(stopped.err().strip().split("\n")).as("one message").containsExactly(
                "error: stopped early, the judge is unreachable: could not connect to " + closed
                        + "/chat/completions: connection refused; 0 lines written to " + out
                        + ", --resume continues from line 1");
        assertThat(lines(out)).isEmpty();
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        System.out.println("[figure] grm score, 100 items, judge down (connection refused): exit "
                + stopped.exitCode() + " after " + took.toMillis() + " ms in process");

        try (SimulatedJudgeServer server = SimulatedJudgeServer.builder(judge()).build().start()) {
            CliRun resumed = score(in, out, server.baseUrl(), "--resume");

            assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
            assertThat(lines(out)).hasSize(100);
        }
    }

    @Test
    void score_names_an_unknown_host_and_stops() {
        Path in = items(20);

        CliRun run = score(in, dir.resolve("out.jsonl"), "http://nohost.invalid/v1");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(run.err()).contains("could not connect to http://nohost.invalid/v1/chat/completions: "
                + "unknown host nohost.invalid");
    }

    @Test
    void score_stops_on_a_401_and_shows_the_servers_message() {
        Path in = items(20);

        try (Loopback rejecting = Loopback.answering(401, INVALID_KEY)) {
            CliRun run = score(in, dir.resolve("out.jsonl"), rejecting.baseUrl());

            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.UNREACHABLE);
            assertThat(run.err().strip()).startsWith("error: stopped early, the judge is unreachable: HTTP 401 from "
                    + rejecting.baseUrl() + "/chat/completions: Incorrect API key provided: sk-xx***.");
            assertThat(rejecting.requests.get()).as("401 is never retried, and the rest is not sent")
                    .isLessThanOrEqualTo(8);
        }
    }

    @Test
    void score_stops_after_eight_items_in_a_row_fail_and_keeps_only_what_the_judge_answered() throws IOException {
        Path in = items(100);
        Path out = dir.resolve("scored.jsonl");
        // Answers items 1..20, then fails every call with a 500, as a judge that fell over. (By item, not
        // by arrival: with 8 in flight, arrival order is not item order, and a failure the judge's
        // answers to later items followed is an ordinary one, which is written.)
        try (SimulatedJudgeServer dying = SimulatedJudgeServer.builder(judge())
                .faults((number, request) -> itemNumber(request) <= 20 ? Optional.empty()
                        : Optional.of(Fault.status(500)))
                .build().start()) {
            CliRun run = score(in, out, dying.baseUrl(), "--concurrency", "8");

            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.UNREACHABLE);
            assertThat(run.err().strip()).matches("error: stopped early, the judge is unreachable: 8 judge calls in "
                    + "a row failed, the last: HTTP 500 from .*; \\d+ lines written to .*");
            List<String> written = lines(out);
            assertThat(written).hasSize(20);
            assertThat(written).allSatisfy(line -> assertThat(CliRun.parse(line).get("outcome").asText())
                    .isEqualTo("SCORED"));
        }

        try (SimulatedJudgeServer healthy = SimulatedJudgeServer.builder(judge()).build().start()) {
            CliRun resumed = score(in, out, healthy.baseUrl(), "--resume");
            Path fresh = dir.resolve("fresh.jsonl");
            CliRun uninterrupted = score(in, fresh, healthy.baseUrl());

            assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
            assertThat(uninterrupted.exitCode()).isZero();
            assertThat(Files.readString(out)).isEqualTo(Files.readString(fresh));
        }
    }

    @Test
    void score_stops_a_judge_that_never_answers_within_its_deadlines() throws IOException {
        Path in = items(100);
        Path out = dir.resolve("scored.jsonl");

        try (Loopback hanging = Loopback.silent()) {
            long start = System.nanoTime();
            CliRun run = score(in, out, hanging.baseUrl(), "--timeout", "1", "--deadline", "2", "--concurrency", "8");
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.UNREACHABLE);
            assertThat(run.err()).contains("8 judge calls in a row failed, the last: no judgement within the item "
                    + "deadline of 2 s (--deadline)");
            assertThat(lines(out)).isEmpty();
            assertThat(took).isLessThan(Duration.ofSeconds(10));
            System.out.println("[figure] grm score, 100 items, judge accepts and never answers, --deadline 2: exit "
                    + run.exitCode() + " after " + took.toMillis() + " ms in process");
        }
    }

    @Test
    void a_failure_that_does_not_stop_the_run_is_written_with_its_cause() {
        Path in = items(1);

        try (Loopback broken = Loopback.answering(500, "{\"error\": {\"message\": \"the GPU fell over\"}}")) {
            CliRun run = grm(concat(new String[]{"score", "--in", in.toString()}, openai(broken.baseUrl())));

            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.PARTIAL);
            JsonNode line = run.lines().get(0);
            assertThat(line.get("outcome").asText()).isEqualTo("BACKEND_ERROR");
            assertThat(line.get("error").asText())
                    .isEqualTo("HTTP 500 from " + broken.baseUrl() + "/chat/completions: the GPU fell over");
            assertThat(broken.requests.get()).as("retried up to the policy's 4 attempts").isEqualTo(4);
        }
    }

    /** N of the pair item "What is N + N?" a request judges. */
    private static int itemNumber(CompletionRequest request) {
        Matcher matcher = ITEM.matcher(request.messages().get(request.messages().size() - 1).content());
        if (!matcher.find()) {
            throw new IllegalArgumentException("not a pair item's prompt");
        }
        return Integer.parseInt(matcher.group(1));
    }

    private static final Pattern ITEM = Pattern.compile("What is (\\d+) \\+ \\1\\?");

    // --- grm eval ---

    @Test
    void eval_stops_on_a_refused_connection_without_figures_and_leaves_a_valid_record() throws IOException {
        Path in = items(30);
        Path record = dir.resolve("record.jsonl");
        String closed = Loopback.closedBaseUrl();

        CliRun run = grm(concat(new String[]{"eval", "--in", in.toString(), "--k", "1,4", "--record",
                record.toString()}, openai(closed)));

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(run.err().strip().split("\n")).containsExactly("error: stopped early, the judge is unreachable: "
                + "could not connect to " + closed + "/chat/completions: connection refused; 0 items voted, "
                + "their samples recorded in " + record + " (valid JSONL)");
        assertThat(run.out()).doesNotContain("NaN").doesNotContain("accuracy");
        assertThat(lines(record)).allSatisfy(CliRun::parse);
    }

    @Test
    void eval_exits_3_when_votes_failed_for_backend_errors_and_never_prints_nan() {
        Path in = items(6);
        // item-3 is never answered; the others are.
        try (SimulatedJudgeServer server = SimulatedJudgeServer.builder(judge())
                .faults((number, request) -> request.messages().get(request.messages().size() - 1).content()
                        .contains("What is 3 + 3?") ? Optional.of(Fault.status(503)) : Optional.empty())
                .build().start()) {
            CliRun run = grm(concat(new String[]{"eval", "--in", in.toString(), "--k", "1"}, openai(server.baseUrl())));

            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.PARTIAL);
            assertThat(run.out()).contains("1 item's vote failed for backend errors").doesNotContain("NaN");
        }
    }

    @Test
    void eval_of_a_file_without_ground_truth_prints_no_nan() {
        Path in = Jsonl.write(dir.resolve("no-best.jsonl"),
                List.of(Jsonl.item("a", "q?", List.of("x", "y"), null), Jsonl.item("b", "q?", List.of("x", "z"), null)));

        CliRun run = grm("eval", "--in", in.toString(), "--k", "1,2", "--shuffle", "both", "--backend", "simulated");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.PARTIAL);
        assertThat(run.out()).doesNotContain("NaN").contains("\"accuracy\":{\"1\":null,\"2\":null}");
    }

    @Test
    void eval_record_refuses_to_overwrite_a_file_without_force() throws IOException {
        Path in = items(2);
        Path record = Files.writeString(dir.resolve("precious.jsonl"), "{\"keep\": true}\n");

        CliRun refused = grm("eval", "--in", in.toString(), "--k", "1", "--backend", "simulated",
                "--record", record.toString());

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(refused.err()).contains("--record: " + record + " exists").contains("--force");
        assertThat(Files.readString(record)).isEqualTo("{\"keep\": true}\n");

        CliRun forced = grm("eval", "--in", in.toString(), "--k", "1", "--backend", "simulated",
                "--record", record.toString(), "--force");

        assertThat(forced.exitCode()).as(forced.toString()).isZero();
        assertThat(lines(record)).hasSize(2).allSatisfy(line -> assertThat(line).contains("grm4j-trajectory"));
    }

    // --- grm rft ---

    @Test
    void rft_stops_on_a_refused_connection() throws IOException {
        Path in = items(30);
        Path out = dir.resolve("sft.jsonl");
        String closed = Loopback.closedBaseUrl();

        CliRun run = grm(concat(new String[]{"rft", "--in", in.toString(), "--out", out.toString()}, openai(closed)));

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(run.err().strip().split("\n")).containsExactly("error: stopped early, the judge is unreachable: "
                + "could not connect to " + closed + "/chat/completions: connection refused; 0 items sampled, "
                + "0 trajectories written to " + out + " (valid JSONL)");
        assertThat(run.out()).isEmpty();
        assertThat(lines(out)).isEmpty();
    }

    @Test
    void every_batch_command_lists_exit_code_4_in_its_help() {
        for (String command : List.of("score", "eval", "rft")) {
            assertThat(grm(command, "--help").out()).as(command).contains("4   the judge is unreachable")
                    .contains(JudgeWatch.CONSECUTIVE_FAILURES + " ");
        }
    }
}
