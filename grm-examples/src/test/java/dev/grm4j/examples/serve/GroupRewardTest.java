package dev.grm4j.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.testing.ScriptedBackend;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /v1/group-reward}: a prompt's G rollouts rated together, each beside its siblings, in one
 * judgement per sample; larger groups split into balanced sub-groups; a failed rollout masked, never
 * given a made-up number.
 */
class GroupRewardTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private RewardServer server;
    private ScriptedBackend judge;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /**
     * A judge that scores each shown response by its length in words (capped at 9), plus one on samples
     * with an odd seed, so that a reward depends on the samples drawn; it cannot read a sample that shows
     * "GARBLE", and its backend fails on one that shows "DOWN".
     */
    private String start(UnaryOperator<RewardServer.Builder> configure) throws Exception {
        judge = ScriptedBackend.writing(request -> {
            List<String> shown = ScriptedBackend.shown(request);
            if (shown.stream().anyMatch(r -> r.contains("DOWN"))) {
                throw new IllegalStateException("connection reset by the judge");
            }
            if (shown.stream().anyMatch(r -> r.contains("GARBLE"))) {
                return "I would rather not say.";
            }
            int bonus = (int) (request.sampling().seed().orElse(0) & 1);
            return ScriptedBackend.output(shown.stream().map(r -> Math.min(9, r.split("\\s+").length) + bonus).toList());
        });
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(4).seed(7).build();
        server = configure.apply(RewardServer.builder(voting).port(0)).build().start();
        return server.baseUrl();
    }

    private static List<String> words(int... counts) {
        List<String> responses = new ArrayList<>();
        for (int count : counts) {
            responses.add(String.join(" ", java.util.Collections.nCopies(count, "word")));
        }
        return responses;
    }

    private static HttpResponse<String> post(String base, String path, Object body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<Double> doubles(JsonNode array) {
        List<Double> values = new ArrayList<>();
        array.forEach(v -> values.add(v.isNull() ? null : v.asDouble()));
        return values;
    }

    @Test
    void eight_rollouts_with_k_four_cost_at_most_four_calls_each_showing_all_eight() throws Exception {
        String base = start(b -> b);
        List<String> responses = words(1, 2, 3, 4, 5, 6, 7, 8);

        HttpResponse<String> answer = post(base, "/v1/group-reward", Map.of("prompt", "Describe the sea.",
                "responses", responses));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(judge.judgeCalls()).hasSizeLessThanOrEqualTo(4)
                .allSatisfy(call -> assertThat(ScriptedBackend.shown(call)).containsExactlyInAnyOrderElementsOf(responses));
        JsonNode body = JSON.readTree(answer.body());
        List<Double> rewards = doubles(body.get("rewards"));
        // Each reward is its own response's mean, mapped back through every shuffle: longer is better here.
        for (int i = 0; i < 8; i++) {
            assertThat(rewards.get(i)).isBetween(i + 1.0, i + 2.0);
        }
        assertThat(rewards).isSorted();
        assertThat(body.get("valid")).allMatch(JsonNode::asBoolean);
        assertThat(body.get("split").asBoolean()).isFalse();
        assertThat(body.get("subgroups").toString()).isEqualTo("[[0,1,2,3,4,5,6,7]]");
        assertThat(body.get("votes").get(0).get("best").asInt()).isEqualTo(7);
        assertThat(body.get("votes").get(0).get("samples_run").asInt()).isEqualTo(4);
    }

    @Test
    void a_group_above_the_maximum_is_split_into_balanced_sub_groups_and_says_so() throws Exception {
        String base = start(b -> b.maxGroup(8));
        int[] counts = new int[20];
        for (int i = 0; i < 20; i++) {
            counts[i] = 1 + i % 9;
        }

        JsonNode body = JSON.readTree(post(base, "/v1/group-reward", Map.of("prompt", "Describe the sea.",
                "responses", words(counts))).body());

        assertThat(body.get("split").asBoolean()).isTrue();
        assertThat(body.get("max_group").asInt()).isEqualTo(8);
        List<Integer> sizes = new ArrayList<>();
        body.get("subgroups").forEach(group -> sizes.add(group.size()));
        assertThat(sizes).containsExactly(7, 7, 6);
        assertThat(judge.judgeCalls()).allSatisfy(call -> assertThat(ScriptedBackend.shown(call).size()).isIn(6, 7));
        assertThat(body.get("rewards")).hasSize(20);
        assertThat(body.get("valid")).allMatch(JsonNode::asBoolean);
    }

    @Test
    void balanced_runs_differ_in_size_by_at_most_one_and_keep_the_order() {
        for (int n = 1; n <= 40; n++) {
            for (int max = 2; max <= 9; max++) {
                List<Integer> items = java.util.stream.IntStream.range(0, n).boxed().toList();
                List<List<Integer>> runs = GroupRewards.balanced(items, max);
                assertThat(runs).hasSize((n + max - 1) / max);
                assertThat(runs.stream().flatMap(List::stream).toList()).isEqualTo(items);
                int smallest = runs.stream().mapToInt(List::size).min().orElseThrow();
                int largest = runs.stream().mapToInt(List::size).max().orElseThrow();
                assertThat(largest).isLessThanOrEqualTo(max);
                assertThat(largest - smallest).isLessThanOrEqualTo(1);
            }
        }
    }

    @Test
    void an_empty_rollout_is_rewarded_at_the_floor_without_being_shown_to_the_judge() throws Exception {
        String base = start(b -> b);

        JsonNode body = JSON.readTree(post(base, "/v1/group-reward", Map.of("prompt", "Describe the sea.",
                "responses", List.of("calm and grey", "  <|im_end|>", "blue"))).body());

        assertThat(doubles(body.get("rewards")).get(1)).isEqualTo(1.0);
        assertThat(body.get("empty_response").toString()).isEqualTo("[false,true,false]");
        assertThat(body.get("subgroups").toString()).isEqualTo("[[0,2]]");
        assertThat(judge.judgeCalls()).allSatisfy(call ->
                assertThat(ScriptedBackend.shown(call)).containsExactlyInAnyOrder("calm and grey", "blue"));
    }

    @Test
    void a_sub_group_the_judge_cannot_read_is_masked_and_the_others_keep_their_rewards() throws Exception {
        String base = start(b -> b.maxGroup(2));

        HttpResponse<String> answer = post(base, "/v1/group-reward", Map.of("prompt", "Describe the sea.",
                "responses", List.of("calm", "grey sea", "GARBLE", "blue")));

        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.get("valid").toString()).isEqualTo("[true,true,false,false]");
        assertThat(body.get("rewards").get(2).isNull()).isTrue();
        assertThat(body.get("rewards").get(3).isNull()).isTrue();
        assertThat(body.get("scores").get(2).isNull()).isTrue();
        assertThat(body.get("rewards").get(0).isNumber()).isTrue();
        assertThat(body.get("failures").get(0).get("index").asInt()).isEqualTo(2);
        assertThat(body.get("failures").get(0).get("message").asText()).contains("responses[2]", "NO_QUORUM", "unparseable");
    }

    @Test
    void backend_trouble_in_any_sub_group_makes_the_answer_a_503_to_retry() throws Exception {
        String base = start(b -> b.maxGroup(2));

        HttpResponse<String> answer = post(base, "/v1/group-reward", Map.of("prompt", "Describe the sea.",
                "responses", List.of("calm", "grey sea", "DOWN", "blue")));

        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.headers().firstValue("Retry-After")).isPresent();
        assertThat(JSON.readTree(answer.body()).get("error").get("message").asText())
                .contains("responses[2]", "connection reset by the judge");
    }

    @Test
    void a_retried_request_gets_the_same_rewards() throws Exception {
        String base = start(b -> b);
        Map<String, Object> request = Map.of("conversation", List.of(Map.of("role", "user", "content", "Describe the sea.")),
                "responses", words(3, 1, 4, 1, 5), "label", 9);

        String first = JSON.readTree(post(base, "/v1/group-reward", request).body()).get("rewards").toString();
        String second = JSON.readTree(post(base, "/v1/group-reward", request).body()).get("rewards").toString();

        assertThat(second).isEqualTo(first);
        // The seeds differ between samples, so the rewards are means of samples that differ.
        assertThat(judge.judgeCalls().stream().map(CompletionRequest::sampling).distinct().count()).isGreaterThan(1);
    }

    @Test
    void bad_requests_name_what_is_wrong() throws Exception {
        String base = start(b -> b);
        Map<Object, String> cases = Map.of(
                Map.of("prompt", "p", "conversation", List.of(), "responses", List.of("a")), "exactly one of prompt",
                Map.of("responses", List.of("a")), "exactly one of prompt",
                Map.of("prompt", "p"), "responses is required",
                Map.of("prompt", "p", "responses", List.of()), "responses is required",
                Map.of("prompt", List.of("p"), "responses", List.of("a")), "prompt must be a string",
                Map.of("prompt", "p", "responses", List.of("a"), "temperature", 1), "unknown field 'temperature'",
                Map.of("prompt", "p", "responses", List.of("a", 3)), "responses[1] must be a string");
        for (Map.Entry<Object, String> bad : cases.entrySet()) {
            HttpResponse<String> answer = post(base, "/v1/group-reward", bad.getKey());
            assertThat(answer.statusCode()).as(bad.getKey().toString()).isEqualTo(400);
            assertThat(answer.body()).as(bad.getKey().toString()).contains(bad.getValue());
        }
        assertThat(judge.judgeCalls()).isEmpty();
    }
}
