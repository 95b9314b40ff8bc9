package dev.grm4j.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.PointwiseGrm;
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
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /get_reward} per rollout: a rollout without a vote is masked in a batch that otherwise
 * stands, and with a group window, rollouts of one prompt sent as separate requests are judged together.
 */
class GetRewardGroupsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String CHATML = "<|im_start|>user\n%s<|im_end|>\n<|im_start|>assistant\n";

    private RewardServer server;
    private ScriptedBackend judge;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Scores each shown response by its length in words (capped at 10); cannot read "GARBLE"; fails on "DOWN". */
    private String start(UnaryOperator<RewardServer.Builder> configure) throws Exception {
        judge = ScriptedBackend.writing(request -> {
            List<String> shown = ScriptedBackend.shown(request);
            if (shown.stream().anyMatch(r -> r.contains("DOWN"))) {
                throw new IllegalStateException("connection reset by the judge");
            }
            if (shown.stream().anyMatch(r -> r.contains("GARBLE"))) {
                return "No verdict today.";
            }
            return ScriptedBackend.output(shown.stream().map(r -> Math.min(10, r.split("\\s+").length)).toList());
        });
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(4).seed(3).build();
        server = configure.apply(RewardServer.builder(voting).port(0)).build().start();
        return server.baseUrl();
    }

    private static Map<String, Object> rollouts(String question, String... responses) {
        String prompt = CHATML.formatted(question);
        List<String> queries = new ArrayList<>();
        for (String response : responses) {
            queries.add(prompt + response + "<|im_end|>");
        }
        return Map.of("query", queries, "prompts", Collections.nCopies(responses.length, prompt));
    }

    private static HttpResponse<String> post(String base, Object body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/get_reward"))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void a_rollout_the_judge_cannot_read_is_masked_and_the_batch_keeps_the_other_rewards() throws Exception {
        String base = start(b -> b);

        HttpResponse<String> answer = post(base, rollouts("Name a colour.", "red", "GARBLE", "deep blue"));

        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.get("rewards").toString()).isEqualTo("[1.0,null,2.0]");
        assertThat(body.get("scores").get(1).isNull()).isTrue();
        assertThat(body.get("extra_logs").get("valid").toString()).isEqualTo("[1.0,0.0,1.0]");
        assertThat(body.get("extra_logs").get("parse_failures").get(1).asDouble()).isEqualTo(4.0);
        assertThat(body.get("failures").get(0).get("index").asInt()).isEqualTo(1);
        assertThat(body.get("failures").get(0).get("message").asText()).startsWith("query[1]: no reward");
    }

    @Test
    void a_batch_whose_every_rollout_failed_is_a_503_not_a_list_of_nulls() throws Exception {
        String base = start(b -> b);

        HttpResponse<String> answer = post(base, rollouts("Name a colour.", "GARBLE"));

        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.body()).contains("query[0]: no reward", "unparseable");
    }

    @Test
    void backend_trouble_on_one_rollout_makes_the_batch_a_503_to_retry() throws Exception {
        String base = start(b -> b);

        HttpResponse<String> answer = post(base, rollouts("Name a colour.", "red", "DOWN"));

        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.headers().firstValue("Retry-After")).isPresent();
        assertThat(answer.body()).contains("query[1]", "connection reset by the judge");
    }

    @Test
    void with_a_group_window_rollouts_of_one_prompt_sent_apart_are_judged_together() throws Exception {
        String base = start(b -> b.groupWindow(Duration.ofMillis(300)));
        String[] responses = {"a", "b b", "c c c", "d d d d", "e e e e e", "f f f f f f", "g g g g g g g", "h h h h h h h h"};

        // As OpenRLHF sends them: one rollout a request, all at once; plus one rollout of another prompt.
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (String response : responses) {
            answers.add(CompletableFuture.supplyAsync(() -> send(base, rollouts("Describe the sea.", response))));
        }
        HttpResponse<String> other = post(base, rollouts("Name a colour.", "red"));

        for (int i = 0; i < responses.length; i++) {
            HttpResponse<String> answer = answers.get(i).join();
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(answer.body()).get("rewards").get(0).asDouble()).isEqualTo(i + 1.0);
        }
        assertThat(other.statusCode()).isEqualTo(200);
        List<List<String>> shown = judge.judgeCalls().stream().map(ScriptedBackend::shown).toList();
        assertThat(shown).filteredOn(s -> s.contains("a")).hasSizeLessThanOrEqualTo(4)
                .allSatisfy(s -> assertThat(s).containsExactlyInAnyOrder(responses));
        assertThat(shown).filteredOn(s -> s.contains("red")).allSatisfy(s -> assertThat(s).containsExactly("red"));
    }

    @Test
    void a_window_group_that_reaches_the_maximum_is_sent_at_once_and_the_next_rollout_opens_another() throws Exception {
        String base = start(b -> b.groupWindow(Duration.ofSeconds(30)).maxGroup(2));

        // With a 30 s window only a full group can be sent in time: two pairs, both answered.
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (String response : new String[] {"a", "b b", "c c c", "d d d d"}) {
            answers.add(CompletableFuture.supplyAsync(() -> send(base, rollouts("Describe the sea.", response))));
        }

        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            assertThat(answer.get(20, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(judge.judgeCalls()).allSatisfy(call -> assertThat(ScriptedBackend.shown(call)).hasSize(2));
    }

    private static HttpResponse<String> send(String base, Object body) {
        try {
            return post(base, body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
