package dev.grm4j.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.internal.Fences;
import dev.grm4j.core.testing.ScriptedBackend;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The reward server over real HTTP on loopback, with a judge whose scores are known. */
class RewardServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private RewardServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Scores each shown response by its word count (capped at 10), after a latency. */
    static ScriptedBackend wordCountJudge(Duration latency) {
        return judge(latency, shown -> "Specific Criteria:\n1. Substance (100%): says enough.\n\nAnalysis:\nCounted words.\n\n"
                + "Scores: \\boxed{" + String.join(", ", shown.stream()
                .map(r -> Integer.toString(Math.min(10, r.split("\\s+").length))).toList()) + "}");
    }

    /** Answers what {@code writer} writes for the shown responses, after a latency, 50 + 20 tokens a call. */
    private static ScriptedBackend judge(Duration latency, Function<List<String>, String> writer) {
        return ScriptedBackend.answering(latency, request -> new Completion(writer.apply(ScriptedBackend.shown(request)),
                TokenUsage.of(50, 20), FinishReason.STOP)).named("word-count");
    }

    /**
     * Holds every call to {@code judge} until {@code count} are waiting at once, or 10 s have passed,
     * then answers them all; later calls are answered at once.
     */
    private static LlmBackend heldUntilInFlight(int count, LlmBackend judge) {
        List<Runnable> waiting = new ArrayList<>();
        boolean[] open = new boolean[1];
        Runnable release = () -> {
            List<Runnable> answers;
            synchronized (waiting) {
                open[0] = true;
                answers = new ArrayList<>(waiting);
                waiting.clear();
            }
            answers.forEach(Runnable::run);
        };
        CompletableFuture.delayedExecutor(10, TimeUnit.SECONDS).execute(release);
        return new LlmBackend() {
            @Override
            public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
                CompletableFuture<Completion> answer = new CompletableFuture<>();
                boolean full;
                synchronized (waiting) {
                    if (open[0]) {
                        return judge.completeAsync(request);
                    }
                    waiting.add(() -> judge.completeAsync(request).whenComplete((completion, failure) -> {
                        if (failure != null) {
                            answer.completeExceptionally(failure);
                        } else {
                            answer.complete(completion);
                        }
                    }));
                    full = waiting.size() >= count;
                }
                if (full) {
                    release.run();
                }
                return answer;
            }

            @Override
            public String modelName() {
                return judge.modelName();
            }
        };
    }

    private String start(LlmBackend judge, int k, long maxBodyBytes) throws Exception {
        RewardMetrics metrics = new RewardMetrics();
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(k).maxConcurrency(256)
                .listener(metrics).build();
        server = RewardServer.builder(voting).port(0).maxBodyBytes(maxBodyBytes).grace(Duration.ofSeconds(5))
                .metrics(metrics).build().start();
        return server.baseUrl();
    }

    private static HttpResponse<String> post(String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String chatml(String question) {
        return "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\n" + question
                + "<|im_end|>\n<|im_start|>assistant\n";
    }

    @Test
    void get_reward_answers_openrlhfs_contract() throws Exception {
        String url = start(wordCountJudge(Duration.ZERO), 4, 10_000_000) + "/get_reward";
        String prompt = chatml("Name three colours.");
        String body = JSON.writeValueAsString(java.util.Map.of(
                "query", List.of(prompt + "red green blue<|im_end|>", prompt + "red<|im_end|>"),
                "prompts", List.of(prompt, prompt),
                "labels", List.of("", "")));

        HttpResponse<String> response = post(url, body);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode json = JSON.readTree(response.body());
        assertThat(json.get("rewards").get(0).asDouble()).isEqualTo(3.0);
        assertThat(json.get("rewards").get(1).asDouble()).isEqualTo(1.0);
        assertThat(json.get("scores").get(0).asDouble()).isCloseTo(2 / 9.0, within(1e-9));
        assertThat(json.get("scores").get(1).asDouble()).isZero();
        assertThat(json.get("extra_logs").get("valid_samples").get(0).asDouble()).isEqualTo(4.0);
        assertThat(json.get("extra_logs").get("vote_variance").get(0).asDouble()).isZero();
        assertThat(json.get("extra_logs").get("parse_failures").get(1).asDouble()).isZero();
    }

    @Test
    void get_reward_finds_the_response_after_the_assistant_marker_without_prompts() throws Exception {
        String url = start(wordCountJudge(Duration.ZERO), 2, 10_000_000) + "/get_reward";
        String body = JSON.writeValueAsString(java.util.Map.of("query",
                List.of("<|start_header_id|>user<|end_header_id|>\n\nHi?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nhello there friend<|eot_id|>")));

        JsonNode json = JSON.readTree(post(url, body).body());

        assertThat(json.get("rewards").get(0).asDouble()).isEqualTo(3.0);
    }

    @Test
    void empty_lists_get_empty_arrays() throws Exception {
        String url = start(wordCountJudge(Duration.ZERO), 2, 10_000_000) + "/get_reward";

        HttpResponse<String> response = post(url, "{\"query\": [], \"prompts\": [], \"labels\": []}");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode json = JSON.readTree(response.body());
        assertThat(json.get("rewards")).isEmpty();
        assertThat(json.get("scores")).isEmpty();
    }

    @Test
    void an_empty_generation_is_scored_at_the_floor_and_flagged() throws Exception {
        String url = start(wordCountJudge(Duration.ZERO), 2, 10_000_000) + "/get_reward";
        String prompt = chatml("Say something.");

        JsonNode json = JSON.readTree(post(url, JSON.writeValueAsString(java.util.Map.of(
                "query", List.of(prompt + "<|im_end|>"), "prompts", List.of(prompt)))).body());

        assertThat(json.get("rewards").get(0).asDouble()).isEqualTo(1.0);
        assertThat(json.get("extra_logs").get("empty_response").get(0).asDouble()).isEqualTo(1.0);
    }

    @Test
    void bad_requests_get_400_naming_the_field() throws Exception {
        String url = start(wordCountJudge(Duration.ZERO), 2, 10_000_000) + "/get_reward";

        assertThat(error(post(url, "{not json"))).contains("not valid JSON");
        assertThat(error(post(url, "[1, 2]"))).contains("body must be a JSON object");
        assertThat(error(post(url, "{\"query\": \"x\"}"))).contains("query must be an array of strings");
        assertThat(error(post(url, "{\"query\": [\"a\", 3]}"))).contains("query[1] must be a string");
        assertThat(error(post(url, "{\"query\": [\"a\"], \"prompts\": []}"))).contains("prompts has 0 items but query has 1");
        assertThat(error(post(url, "{\"query\": [\"a\"], \"extra\": 1}"))).contains("unknown field 'extra'");
        assertThat(error(post(url, "{\"query\": [\"no marker here\"], \"prompts\": [\"other\"]}")))
                .contains("query[0] does not start with prompts[0]");
        assertThat(error(post(url, "{}"))).contains("query is required");
    }

    @Test
    void a_body_that_repeats_a_key_is_a_bad_request_not_silently_resolved() throws Exception {
        String url = start(wordCountJudge(Duration.ZERO), 2, 10_000_000) + "/v1/score";

        String message = error(post(url, "{\"query\": \"q\", \"responses\": [\"a\"], \"responses\": [\"b\", \"c\"]}"));

        assertThat(message).contains("not valid JSON", "Duplicate field 'responses'");
    }

    private static String error(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).isEqualTo(400);
        return JSON.readTree(response.body()).get("error").get("message").asText();
    }

    @Test
    void an_oversized_body_gets_413() throws Exception {
        String url = start(wordCountJudge(Duration.ZERO), 2, 1_000) + "/get_reward";

        HttpResponse<String> response = post(url, "{\"query\": [\"" + "x".repeat(5_000) + "\"]}");

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("larger than the limit of 1000 bytes");
    }

    @Test
    void without_a_quorum_the_answer_is_503_with_retry_after_never_a_reward() throws Exception {
        String url = start(judge(Duration.ZERO, shown -> "I will not score this."), 4, 10_000_000);
        String prompt = chatml("q");

        HttpResponse<String> reward = post(url + "/get_reward", JSON.writeValueAsString(java.util.Map.of(
                "query", List.of(prompt + "an answer"), "prompts", List.of(prompt))));
        HttpResponse<String> score = post(url + "/v1/score", "{\"query\": \"q\", \"responses\": [\"a\", \"b\"]}");

        for (HttpResponse<String> response : List.of(reward, score)) {
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).isPresent();
            assertThat(response.body()).doesNotContain("\"rewards\"").contains("NO_QUORUM");
        }
    }

    @Test
    void v1_score_takes_the_adaptive_mode_per_request_and_names_it_in_the_answer() throws Exception {
        String url = start(wordCountJudge(Duration.ZERO), 16, 10_000_000) + "/v1/score";
        String query = "{\"query\": \"colours?\", \"responses\": [\"red\", \"red green blue\"]";

        JsonNode full = JSON.readTree(post(url, query + "}").body());
        JsonNode auto = JSON.readTree(post(url, query + ", \"adaptive\": \"auto\"}").body());

        // The server's own mode (off here) unless the request names one; unanimous samples settle early.
        assertThat(full.get("adaptive").asText()).isEqualTo("off");
        assertThat(full.get("samples_run").asInt()).isEqualTo(16);
        assertThat(auto.get("adaptive").asText()).isEqualTo("auto");
        assertThat(auto.get("samples_run").asInt()).isLessThan(16);
        assertThat(auto.get("best")).isEqualTo(full.get("best"));
        assertThat(error(post(url, query + ", \"adaptive\": \"sometimes\"}")))
                .contains("adaptive must be off, exact or auto, was 'sometimes'");
    }

    @Test
    void v1_score_returns_the_full_vote() throws Exception {
        String url = start(wordCountJudge(Duration.ZERO), 3, 10_000_000) + "/v1/score";

        HttpResponse<String> response = post(url, """
                {"conversation": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "colours?"}],
                 "responses": ["red", "red green blue"], "reference": "any three",
                 "principles": [{"text": "Completeness", "weight": 2}]}""");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode json = JSON.readTree(response.body());
        assertThat(json.get("status").asText()).isEqualTo("VOTED");
        assertThat(json.get("scores").toString()).isEqualTo("[3,9]");
        assertThat(json.get("best").asInt()).isEqualTo(1);
        assertThat(json.get("samples")).hasSize(3);
        assertThat(json.get("samples").get(0).get("critique").asText()).isEqualTo("Counted words.");
        assertThat(error(post(url, "{\"conversation\": [{\"role\": \"robot\", \"content\": \"x\"}], \"responses\": [\"a\"]}")))
                .contains("conversation[0].role must be system, user or assistant");
    }

    @Test
    void spct_reward_is_plus_one_only_when_the_rollout_ranks_the_best_strictly_first() throws Exception {
        String url = start(wordCountJudge(Duration.ZERO), 2, 10_000_000) + "/v1/spct-reward";
        String nonce = Fences.nonceFor(List.of("a", "b"));
        String prompt = "judge these\n" + Fences.fence(1, nonce, "a") + "\n\n" + Fences.fence(2, nonce, "b");
        String right = "Specific Criteria:\n1. Right (100%): is right.\nAnalysis:\nB is right.\nScores: \\boxed{3, 8}";
        String tie = right.replace("3, 8", "8, 8");
        String broken = "I think B.";
        String body = "{\"query\": [" + String.join(", ", List.of(quote(prompt + right), quote(prompt + tie),
                quote(prompt + broken))) + "], \"prompts\": [" + String.join(", ", List.of(quote(prompt), quote(prompt),
                quote(prompt))) + "], \"labels\": [\"1\", \"1\", \"1\"]}";

        HttpResponse<String> response = post(url, body);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).get("rewards").toString()).isEqualTo("[1.0,-1.0,-1.0]");
        assertThat(error(post(url, "{\"query\": [\"x\"], \"prompts\": [\"x\"], \"labels\": [\"1\"]}")))
                .contains("prompts[0] has no fenced responses");
    }

    private static String quote(String text) throws Exception {
        return JSON.writeValueAsString(text);
    }

    @Test
    void health_and_stats_report_the_model_and_what_happened() throws Exception {
        String base = start(wordCountJudge(Duration.ZERO), 2, 10_000_000);
        post(base + "/v1/score", "{\"query\": \"q\", \"responses\": [\"a\"]}");

        JsonNode health = JSON.readTree(get(base + "/health").body());
        JsonNode metrics = JSON.readTree(get(base + "/v1/stats").body());

        assertThat(health.get("status").asText()).isEqualTo("ok");
        assertThat(health.get("model").asText()).isEqualTo("word-count");
        assertThat(metrics.get("requests").get("/v1/score").asLong()).isEqualTo(1);
        assertThat(metrics.get("samples").get("SCORED").asLong()).isEqualTo(2);
        assertThat(metrics.get("tokens").get("input").asLong()).isEqualTo(100);
        assertThat(metrics.get("latency_ms").has("p99")).isTrue();
        assertThat(get(base + "/nowhere").statusCode()).isEqualTo(404);
        assertThat(post(base + "/health", "{}").statusCode()).isEqualTo(405);
    }

    @Test
    void rollouts_that_arrive_together_are_scored_together() throws Exception {
        // Each request's 4 calls are held until a fifth is in flight (10 s at most): only calls of
        // several requests at once release them, so no latency has to make them overlap.
        ScriptedBackend judge = ScriptedBackend.recording(heldUntilInFlight(5, wordCountJudge(Duration.ZERO)));
        String url = start(judge, 4, 10_000_000) + "/get_reward";
        String prompt = chatml("q");
        String body = JSON.writeValueAsString(java.util.Map.of("query", List.of(prompt + "one two"), "prompts", List.of(prompt)));

        List<CompletableFuture<HttpResponse<String>>> calls = IntStream.range(0, 16)
                .mapToObj(i -> HTTP.sendAsync(HttpRequest.newBuilder(URI.create(url))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()))
                .toList();

        assertThat(calls).allSatisfy(call -> assertThat(call.get().statusCode()).isEqualTo(200));
        assertThat(judge.maxInFlight()).isGreaterThan(4);
    }

    @Test
    void shutting_down_answers_the_requests_in_flight() throws Exception {
        ScriptedBackend judge = wordCountJudge(Duration.ofMillis(500));
        String url = start(judge, 2, 10_000_000) + "/v1/score";
        CompletableFuture<HttpResponse<String>> slow = HTTP.sendAsync(HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofString("{\"query\": \"q\", \"responses\": [\"a b\"]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        // The request is in flight once the judge holds its calls; close() must then wait for it.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (judge.inFlight() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(judge.inFlight()).as("calls of the request in flight").isPositive();

        server.close();

        assertThat(slow.get().statusCode()).isEqualTo(200);
    }
}
