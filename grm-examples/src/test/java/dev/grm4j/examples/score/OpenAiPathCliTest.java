package dev.grm4j.examples.score;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.core.testing.Fault;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import dev.grm4j.examples.cli.CliRun;
import dev.grm4j.examples.cli.Jsonl;
import dev.grm4j.examples.cli.Loopback;
import dev.grm4j.examples.options.ExitCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --backend openai} is grm4j's own HTTP backend in every command, with one retry layer that
 * honours Retry-After, a per-call {@code --timeout} and a per-item {@code --deadline}.
 */
@Timeout(60)
class OpenAiPathCliTest {

    @TempDir
    Path dir;

    /** A simulated judge behind HTTP whose first request gets 429 with Retry-After: 2; arrival times recorded. */
    private static SimulatedJudgeServer rateLimitedOnce(List<Long> arrivals) {
        SimulatedJudge judge = SimulatedJudge.builder().accuracy(1.0).groundTruth(GroundTruth.create()).build();
        return SimulatedJudgeServer.builder(judge).faults((number, request) -> {
            arrivals.add(System.nanoTime());
            return number == 0 ? Optional.of(Fault.rateLimited(Duration.ofSeconds(2))) : Optional.empty();
        }).build().start();
    }

    private static Duration gap(List<Long> arrivals) {
        return Duration.ofNanos(arrivals.get(1) - arrivals.get(0));
    }

    @Test
    void score_retries_a_429_no_sooner_than_its_retry_after() {
        Path in = Jsonl.write(dir.resolve("one.jsonl"), List.of(Jsonl.pair(1)));
        List<Long> arrivals = new CopyOnWriteArrayList<>();

        try (SimulatedJudgeServer server = rateLimitedOnce(arrivals)) {
            CliRun run = grm("score", "--in", in.toString(), "--backend", "openai", "--base-url", server.baseUrl(),
                    "--model", "simulated-judge");

            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.lines()).extracting(line -> line.get("outcome").asText()).containsExactly("SCORED");
            assertThat(arrivals).hasSize(2);
            // The backoff alone would retry after 250..750 ms; the server asked for 2 s, and gets them.
            assertThat(gap(arrivals)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
            System.out.println("[figure] grm score: 429 Retry-After: 2, retried after " + gap(arrivals).toMillis() + " ms");
        }
    }

    @Test
    void eval_retries_a_429_no_sooner_than_its_retry_after() {
        Path in = Jsonl.write(dir.resolve("one.jsonl"), List.of(Jsonl.pair(1)));
        List<Long> arrivals = new CopyOnWriteArrayList<>();

        try (SimulatedJudgeServer server = rateLimitedOnce(arrivals)) {
            CliRun run = grm("eval", "--in", in.toString(), "--k", "1", "--backend", "openai", "--base-url",
                    server.baseUrl(), "--model", "simulated-judge");

            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(arrivals).hasSize(2);
            assertThat(gap(arrivals)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        }
    }

    @Test
    void rft_retries_a_429_no_sooner_than_its_retry_after() {
        Path in = Jsonl.write(dir.resolve("one.jsonl"), List.of(Jsonl.pair(1)));
        List<Long> arrivals = new CopyOnWriteArrayList<>();

        try (SimulatedJudgeServer server = rateLimitedOnce(arrivals)) {
            CliRun run = grm("rft", "--in", in.toString(), "--out", dir.resolve("sft.jsonl").toString(), "--n", "1",
                    "--backend", "openai", "--base-url", server.baseUrl(), "--model", "simulated-judge");

            assertThat(run.exitCode()).as(run.toString()).isIn(0, 3);
            assertThat(CliRun.parse(run.out().strip()).get("failed").asInt()).isZero();
            assertThat(arrivals).hasSize(2);
            assertThat(gap(arrivals)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        }
    }

    @Test
    void an_item_not_done_by_its_deadline_fails_naming_the_deadline() {
        Path in = Jsonl.write(dir.resolve("one.jsonl"), List.of(Jsonl.pair(1)));

        try (Loopback hanging = Loopback.silent()) {
            long start = System.nanoTime();
            CliRun run = grm("score", "--in", in.toString(), "--backend", "openai", "--base-url", hanging.baseUrl(),
                    "--model", "m", "--timeout", "30", "--deadline", "1");
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.PARTIAL);
            JsonNode line = run.lines().get(0);
            assertThat(line.get("outcome").asText()).isEqualTo("BACKEND_ERROR");
            assertThat(line.get("error").asText()).isEqualTo("no judgement within the item deadline of 1 s (--deadline)");
            assertThat(took).isLessThan(Duration.ofSeconds(6));
        }
    }

    @Test
    void without_retries_left_a_timed_out_call_says_which_timeout() {
        Path in = Jsonl.write(dir.resolve("one.jsonl"), List.of(Jsonl.pair(1)));

        try (Loopback hanging = Loopback.silent()) {
            // Four attempts of 0.3 s and their backoff fit in 20 s: the call timed out, was retried up to the
            // policy's four attempts, and the last failure is the timeout's.
            CliRun run = grm("score", "--in", in.toString(), "--backend", "openai", "--base-url", hanging.baseUrl(),
                    "--model", "m", "--timeout", "0.3", "--deadline", "20");

            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.PARTIAL);
            assertThat(run.lines().get(0).get("error").asText())
                    .isEqualTo("no answer from " + hanging.baseUrl() + "/chat/completions within 300 ms (callTimeout)");
            assertThat(hanging.requests.get()).isEqualTo(4);
        }
    }

    @Test
    void a_backend_without_a_timeout_of_its_own_gets_the_call_timeout_too() {
        Path in = Jsonl.write(dir.resolve("one.jsonl"), List.of(Jsonl.pair(1)));

        CliRun run = grm("score", "--in", in.toString(), "--backend", "simulated", "--sim-latency-ms", "5000",
                "--timeout", "0.2", "--deadline", "30");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.PARTIAL);
        assertThat(run.lines().get(0).get("error").asText())
                .isEqualTo("no answer within the call timeout of 200 ms (--timeout)");
    }

    @Test
    void every_batch_command_documents_its_timeout_and_deadline() {
        for (String command : List.of("score", "eval", "rft")) {
            CliRun help = grm(command, "--help");

            assertThat(help.out()).as(command).contains("--timeout=S").contains("(default: 60)")
                    .contains("--deadline=S").contains("(default: 300)");
        }
        assertThat(grm("serve", "--help").out()).contains("--timeout=S").contains("(default: 60)");
    }

    @Test
    void rejects_a_timeout_or_deadline_that_is_not_positive() {
        Path in = Jsonl.write(dir.resolve("one.jsonl"), List.of(Jsonl.pair(1)));

        CliRun timeout = grm("score", "--in", in.toString(), "--backend", "simulated", "--timeout", "0");
        CliRun deadline = grm("score", "--in", in.toString(), "--backend", "simulated", "--deadline", "-1");

        assertThat(timeout.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(timeout.err()).contains("--timeout must be in (0, 86400] seconds, was 0.0");
        assertThat(deadline.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(deadline.err()).contains("--deadline must be in (0, 86400] seconds, was -1.0");
    }

    @Test
    void several_base_urls_share_the_calls() {
        List<String> items = List.of(Jsonl.pair(1), Jsonl.pair(2), Jsonl.pair(3), Jsonl.pair(4));
        Path in = Jsonl.write(dir.resolve("four.jsonl"), items);
        SimulatedJudge judge = SimulatedJudge.builder().accuracy(1.0).groundTruth(GroundTruth.create()).build();

        try (SimulatedJudgeServer first = SimulatedJudgeServer.builder(judge).build().start();
             SimulatedJudgeServer second = SimulatedJudgeServer.builder(judge).build().start()) {
            CliRun run = grm("score", "--in", in.toString(), "--backend", "openai", "--model", "simulated-judge",
                    "--base-url", first.baseUrl() + "," + second.baseUrl(), "--concurrency", "1");

            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(first.requestCount()).isEqualTo(2);
            assertThat(second.requestCount()).isEqualTo(2);
        }
    }
}
