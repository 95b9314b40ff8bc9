package dev.grm4j.examples.serve;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.testing.ScriptedBackend;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The reward functions of {@code docs/integrations/} (TRL, verl, OpenRLHF), run by the machine's
 * {@code python3} against a live server on loopback, as their frameworks call them.
 *
 * <p>The judge scores each response it is shown by its word count (capped at 10), so a response of w
 * words gets the reward w and the score (w - 1) / 9; it writes no scores at all (no sample parses, so
 * the vote has no quorum) for a call showing a response that contains {@code UNSCORABLE}. The server
 * judges at most two responses of a group together, so a larger group is split into sub-groups.
 */
class PythonIntegrationsTest {

    private static final JsonMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Path INTEGRATIONS = Path.of("..", "docs", "integrations").toAbsolutePath().normalize();
    private static final String CHATML = "<|im_start|>user\nName some colours.<|im_end|>\n<|im_start|>assistant\n";

    private static RewardServer server;
    private static String base;
    private static final List<String> judgePrompts = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        ScriptedBackend judge = ScriptedBackend.answering(request -> {
            List<String> shown = ScriptedBackend.shown(request);
            judgePrompts.add(ScriptedBackend.userText(request));
            String text = shown.stream().anyMatch(r -> r.contains("UNSCORABLE")) ? "I would rather not say."
                    : ScriptedBackend.output(shown.stream().map(r -> Math.min(10, r.split("\\s+").length)).toList());
            return new Completion(text, TokenUsage.of(50, 20), FinishReason.STOP);
        });
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(4).build();
        server = RewardServer.builder(voting).port(0).maxGroup(2).retryAfter(Duration.ofSeconds(1)).build().start();
        base = server.baseUrl();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static double score(int words) {
        return (words - 1) / 9.0;
    }

    // --- all three

    @Test
    void every_integration_parses_as_python_3_9_and_imports_only_the_standard_library() throws Exception {
        JsonNode answer = python(Map.of("op", "check"));

        assertThat(answer.get("modules").size()).isEqualTo(3);
        answer.get("modules").fields().forEachRemaining(module ->
                assertThat(module.getValue().get("non_stdlib")).as(module.getKey() + " imports " + module.getValue())
                        .isEmpty());
        assertThat(answer.get("modules").get("grm4j_trl").get("imports").toString()).contains("asyncio", "urllib")
                .doesNotContain("requests", "aiohttp", "torch");
    }

    // --- TRL

    @Test
    void trl_rewards_each_completion_in_order_with_one_request_per_group_and_none_where_the_judge_cannot() throws Exception {
        long before = requests("/v1/group-reward");
        Map<String, Object> call = Map.of("op", "trl", "config", Map.of("retries", 1, "name", "grm_judge", "url", base),
                "prompts", List.of("Name colours.", "Name colours.", "Name colours.", "Name a sea.", "Name fruit.",
                        "Name fruit.", "Name lakes.", "Name lakes.", "Name lakes.", "Name lakes."),
                "completions", List.of("Red.", "Red and green.", "Red, green and blue.", "UNSCORABLE", "Apples.",
                        "Apples and pears.", "Lake Erie.", "Erie and Huron.", "UNSCORABLE", "Lake Superior."));

        JsonNode first = python(call);

        assertThat(first.has("error")).as(first.toString()).isFalse();
        assertThat(first.get("name").asText()).isEqualTo("grm_judge");
        assertThat(first.get("coroutine").asBoolean()).as("TRL awaits only coroutine functions concurrently").isTrue();
        // The sea's only rollout has no vote (a 503, retried once); the lakes' second sub-group has none
        // (the server masks it in a 200: valid false), the first sub-group is rewarded.
        assertThat(doubles(first.get("rewards"))).containsExactly(score(1), score(3), score(4), null, score(1), score(3),
                score(2), score(3), null, null);
        assertThat(first.get("metrics").get("grm_judge/unrewarded").get(0).asDouble()).isEqualTo(3.0 / 10);
        // Four groups, one request each, and one retry of the group without any vote.
        assertThat(requests("/v1/group-reward") - before).isEqualTo(5);

        JsonNode again = python(call);

        assertThat(again.get("rewards")).as("a retried batch gets the same rewards").isEqualTo(first.get("rewards"));
    }

    @Test
    void trl_sends_a_conversational_prompt_as_its_turns_and_the_label_column_as_the_reference() throws Exception {
        List<Map<String, String>> prompt = List.of(Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", "What is 17 * 3?"));
        JsonNode answer = python(Map.of("op", "trl", "config", Map.of("url", base, "label_column", "answer"),
                "prompts", List.of(prompt, prompt),
                "completions", List.of(List.of(Map.of("role", "assistant", "content", "It is 51.")),
                        List.of(Map.of("role", "assistant", "content", "Forty one, I think."))),
                "columns", Map.of("answer", List.of("51", "51"))));

        assertThat(answer.has("error")).as(answer.toString()).isFalse();
        assertThat(doubles(answer.get("rewards"))).containsExactly(score(3), score(4));
        assertThat(judgePrompts).anySatisfy(text -> assertThat(text).contains("What is 17 * 3?").contains("Reference answer")
                .contains("It is 51.").contains("Forty one, I think."));
    }

    @Test
    void trl_raises_the_servers_message_when_it_refuses_a_group() throws Exception {
        JsonNode answer = python(Map.of("op", "trl", "config", Map.of("url", base, "label_column", "answer"),
                "prompts", List.of("Name colours."), "completions", List.of("Red."),
                "columns", Map.of("answer", List.of(Map.of("not", "a label")))));

        assertThat(answer.get("error").asText()).isEqualTo("Grm4jBadRequest");
        assertThat(answer.get("status").asInt()).isEqualTo(400);
        assertThat(answer.get("message").asText()).contains("label");
    }

    @Test
    void trl_masks_a_completion_the_server_marks_invalid_and_keeps_the_others() throws Exception {
        JsonNode answer = python(Map.of("op", "trl_stub",
                "answer", Map.of("rewards", List.of(5.5, -1, 3.25), "scores", List.of(0.5, 0.0, 0.25),
                        "valid", List.of(true, false, true), "subgroups", List.of(List.of(0, 1, 2))),
                "prompts", List.of("Q", "Q", "Q"), "completions", List.of("a", "b", "c")));

        assertThat(answer.has("error")).as(answer.toString()).isFalse();
        assertThat(doubles(answer.get("rewards"))).containsExactly(0.5, null, 0.25);
        JsonNode sent = answer.get("requests").get(0);
        assertThat(sent.get("path").asText()).isEqualTo("/v1/group-reward");
        assertThat(sent.get("body").get("prompt").asText()).isEqualTo("Q");
        assertThat(sent.get("body").get("responses").toString()).isEqualTo("[\"a\",\"b\",\"c\"]");
    }

    @Test
    void trl_gives_no_reward_rather_than_a_made_up_one_when_the_server_cannot_be_reached() throws Exception {
        JsonNode answer = python(Map.of("op", "trl", "config", Map.of("url", "http://127.0.0.1:" + closedPort(),
                        "retries", 1, "backoff", 0.05),
                "prompts", List.of("Q", "Q"), "completions", List.of("a", "b")));

        assertThat(answer.has("error")).as(answer.toString()).isFalse();
        assertThat(doubles(answer.get("rewards"))).containsExactly(null, null);
        assertThat(answer.get("metrics").get("grm4j/unrewarded").get(0).asDouble()).isEqualTo(1.0);
    }

    // --- verl

    @Test
    void verl_scores_a_rollout_against_the_question_in_extra_info() throws Exception {
        Map<String, Object> call = Map.of("op", "verl", "kwargs", Map.of("url", base, "data_source", "gsm8k",
                "solution_str", "Red, green and blue.", "ground_truth", "red", "extra_info",
                Map.of("split", "train", "index", 3, "question", "Name three colours.")));

        JsonNode first = python(call);

        JsonNode result = first.get("result");
        assertThat(result).as(first.toString()).isNotNull();
        assertThat(result.get("score").asDouble()).isEqualTo(score(4));
        assertThat(result.get("reward").asDouble()).isEqualTo(4.0);
        assertThat(result.get("valid").asBoolean()).isTrue();
        assertThat(result.get("valid_samples").asInt()).isEqualTo(4);
        assertThat(python(call).get("result")).as("a retried rollout gets the same reward").isEqualTo(result);
    }

    @Test
    void verls_batch_manager_gets_one_dict_per_rollout_in_order() throws Exception {
        Map<String, Object> prompt = Map.of("prompt", List.of(Map.of("role", "user", "content", "Name colours.")));
        JsonNode answer = python(Map.of("op", "verl", "kwargs", Map.of("url", base,
                "data_sources", List.of("a", "a", "a"), "solution_strs", List.of("Red.", "Red and green.", "Red, green and blue."),
                "ground_truths", List.of("", "", ""), "extra_infos", List.of(prompt, prompt, prompt))));

        JsonNode result = answer.get("result");
        assertThat(result).as(answer.toString()).isNotNull();
        assertThat(List.of(result.get(0).get("score").asDouble(), result.get(1).get("score").asDouble(),
                result.get(2).get("score").asDouble())).containsExactly(score(1), score(3), score(4));
    }

    @Test
    void verl_raises_for_a_rollout_without_a_vote_unless_a_fill_value_is_chosen_and_then_flags_it() throws Exception {
        Map<String, Object> rollout = Map.of("url", base, "retries", 1, "data_source", "x", "solution_str", "UNSCORABLE",
                "ground_truth", "", "extra_info", Map.of("question", "Name a sea."));

        JsonNode raised = python(Map.of("op", "verl", "kwargs", rollout));
        JsonNode filled = python(Map.of("op", "verl", "kwargs", with(rollout, "fill", 0.0)));

        assertThat(raised.get("error").asText()).isEqualTo("Grm4jUnavailable");
        assertThat(raised.get("status").asInt()).isEqualTo(503);
        assertThat(raised.get("message").asText()).contains("no reward").contains("after 1 retries");
        assertThat(filled.get("result").get("score").asDouble()).isEqualTo(0.0);
        assertThat(filled.get("result").get("valid").asBoolean()).isFalse();
        assertThat(filled.get("result").get("valid_samples").asInt()).isZero();
        assertThat(filled.get("result").get("reward").isNumber() && Double.isNaN(filled.get("result").get("reward").asDouble()))
                .as("the judge-scale reward of a filled rollout is NaN, not a number the judge gave: " + filled).isTrue();
    }

    @Test
    void verl_raises_the_servers_message_for_a_bad_prompt_and_says_where_the_prompt_goes() throws Exception {
        JsonNode bad = python(Map.of("op", "verl", "kwargs", Map.of("url", base, "data_source", "x",
                "solution_str", "Red.", "extra_info", Map.of("prompt", 7))));
        JsonNode none = python(Map.of("op", "verl", "kwargs", Map.of("url", base, "data_source", "x",
                "solution_str", "Red.", "extra_info", Map.of("index", 1))));

        assertThat(bad.get("error").asText()).isEqualTo("Grm4jBadRequest");
        assertThat(bad.get("status").asInt()).isEqualTo(400);
        assertThat(bad.get("message").asText()).contains("prompt must be a string or an array");
        assertThat(none.get("error").asText()).isEqualTo("Grm4jBadRequest");
        assertThat(none.get("message").asText()).contains("extra_info has no 'prompt'").contains("'question'");
    }

    // --- OpenRLHF

    @Test
    void openrlhf_gets_rewards_scores_and_extra_logs_per_query_from_one_batched_request() throws Exception {
        Map<String, Object> call = Map.of("op", "openrlhf", "env", Map.of("GRM4J_URL", base),
                "args", Map.of("queries", List.of(CHATML + "Red.<|im_end|>", CHATML + "Red, green and blue.<|im_end|>"),
                        "prompts", List.of(CHATML, CHATML), "labels", List.of("", "")));
        long before = requests("/get_reward");

        JsonNode first = python(call);

        JsonNode result = first.get("result");
        assertThat(result).as(first.toString()).isNotNull();
        assertThat(doubles(result.get("rewards"))).containsExactly(1.0, 4.0);
        assertThat(doubles(result.get("scores"))).containsExactly(score(1), score(4));
        assertThat(doubles(result.get("extra_logs").get("valid_samples"))).containsExactly(4.0, 4.0);
        assertThat(requests("/get_reward") - before).isEqualTo(1);
        assertThat(python(call).get("result")).as("a retried batch gets the same rewards").isEqualTo(result);
    }

    @Test
    void openrlhf_raises_naming_the_rollout_rather_than_pass_on_a_masked_reward_it_cannot_mask() throws Exception {
        long before = requests("/get_reward");
        JsonNode answer = python(Map.of("op", "openrlhf", "env", Map.of("GRM4J_URL", base, "GRM4J_RETRIES", "1"),
                "args", Map.of("queries", List.of(CHATML + "Red.<|im_end|>", CHATML + "UNSCORABLE<|im_end|>"),
                        "prompts", List.of(CHATML, CHATML), "labels", List.of("", ""))));

        assertThat(answer.get("error").asText()).isEqualTo("Grm4jError");
        assertThat(answer.get("message").asText()).contains("1 of 2 rollouts").contains("query[1]: no reward");
        assertThat(requests("/get_reward") - before).as("a masked rollout is not retried: the vote is seeded").isEqualTo(1);
    }

    @Test
    void openrlhf_raises_after_its_retries_when_no_rollout_of_the_batch_got_a_vote() throws Exception {
        long before = requests("/get_reward");
        JsonNode answer = python(Map.of("op", "openrlhf", "env", Map.of("GRM4J_URL", base, "GRM4J_RETRIES", "1"),
                "args", Map.of("queries", List.of(CHATML + "UNSCORABLE<|im_end|>"), "prompts", List.of(CHATML),
                        "labels", List.of(""))));

        assertThat(answer.get("error").asText()).isEqualTo("Grm4jUnavailable");
        assertThat(answer.get("status").asInt()).isEqualTo(503);
        assertThat(answer.get("message").asText()).contains("query[0]: no reward").contains("after 1 retries");
        assertThat(requests("/get_reward") - before).isEqualTo(2);
    }

    @Test
    void openrlhf_raises_the_servers_message_for_a_query_that_does_not_start_with_its_prompt() throws Exception {
        JsonNode answer = python(Map.of("op", "openrlhf", "env", Map.of("GRM4J_URL", base),
                "args", Map.of("queries", List.of("Red."), "prompts", List.of(CHATML), "labels", List.of(""))));

        assertThat(answer.get("error").asText()).isEqualTo("Grm4jBadRequest");
        assertThat(answer.get("status").asInt()).isEqualTo(400);
        assertThat(answer.get("message").asText()).contains("query[0] does not start with prompts[0]");
    }

    // --- helpers

    /** Runs the driver with {@code request} on its standard input; its one JSON line back. */
    private static JsonNode python(Map<String, Object> request) throws Exception {
        assertThat(INTEGRATIONS.resolve("grm4j_trl.py")).as("the integrations folder").exists();
        Path driver = Path.of(PythonIntegrationsTest.class.getResource("/python/integrations_driver.py").toURI());
        ProcessBuilder builder = new ProcessBuilder("python3", driver.toString(), INTEGRATIONS.toString());
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ in docs/
        builder.environment().keySet().removeIf(name -> name.startsWith("GRM4J_"));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return fail("python3 is not on the PATH (" + e.getMessage() + "): this test runs the reward functions of "
                    + "docs/integrations with the machine's python3 (3.9+), which CI has; install it, it is not skipped");
        }
        process.getOutputStream().write(JSON.writeValueAsBytes(request));
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("python3 did not finish within 60 s for " + request);
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0 || out.isEmpty()) {
            fail("python3 exited " + process.exitValue() + " for " + request + "\nstdout: " + out + "\nstderr: " + err);
        }
        String last = out.substring(out.lastIndexOf('\n') + 1);
        JsonNode answer = JSON.readTree(last);
        if ("PythonTooOld".equals(answer.path("error").asText())) {
            fail(answer.get("message").asText());
        }
        return answer;
    }

    /** A JSON array of numbers and nulls as doubles, nulls kept. */
    private static List<Double> doubles(JsonNode array) {
        assertThat(array).as("an array").isNotNull();
        List<Double> values = new ArrayList<>();
        array.forEach(value -> values.add(value.isNull() ? null : value.asDouble()));
        return values;
    }

    private static long requests(String path) throws Exception {
        HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/stats")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(metrics.body()).path("requests").path(path).asLong(0);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static Map<String, Object> with(Map<String, Object> map, String key, Object value) {
        Map<String, Object> copy = new java.util.LinkedHashMap<>(map);
        copy.put(key, value);
        return copy;
    }
}
