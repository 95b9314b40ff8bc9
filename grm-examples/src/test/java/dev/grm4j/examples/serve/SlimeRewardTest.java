package dev.grm4j.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.testing.ScriptedBackend;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /v1/reward}, slime's remote reward model: one rollout a request, {@code {"prompt", "response",
 * "label"}} as slime's {@code remote_rm} posts it, an object back that {@code --reward-key reward} reads.
 */
class SlimeRewardTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String CHATML_PROMPT = "<|im_start|>user\nName three colours.<|im_end|>\n<|im_start|>assistant\n";

    private RewardServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Scores the one shown response by its word count (capped at 10), and records what it was shown. */
    private String start(List<List<String>> shown, List<String> prompts) throws Exception {
        ScriptedBackend judge = ScriptedBackend.answering(request -> {
            List<String> responses = ScriptedBackend.shown(request);
            shown.add(responses);
            prompts.add(request.messages().get(request.messages().size() - 1).content());
            return new Completion("Specific Criteria:\n1. Substance (100%): says enough.\n\nAnalysis:\nCounted.\n\n"
                    + "Scores: \\boxed{" + Math.min(10, responses.get(0).split("\\s+").length) + "}",
                    TokenUsage.of(50, 20), FinishReason.STOP);
        });
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(4).build();
        server = RewardServer.builder(voting).port(0).build().start();
        return server.baseUrl();
    }

    @Test
    void a_templated_prompt_and_its_response_get_the_mean_vote_as_the_reward() throws Exception {
        List<List<String>> shown = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> prompts = new java.util.concurrent.CopyOnWriteArrayList<>();
        String base = start(shown, prompts);

        HttpResponse<String> answer = post(base + "/v1/reward", Map.of("prompt", CHATML_PROMPT,
                "response", "Red, green and blue.<|im_end|>", "label", 3));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.get("reward").asDouble()).isEqualTo(4.0);
        assertThat(body.get("score").asDouble()).isEqualTo((4.0 - 1) / 9);
        assertThat(body.get("valid").asBoolean()).isTrue();
        assertThat(body.get("valid_samples").asInt()).isEqualTo(4);
        assertThat(body.get("empty_response").asBoolean()).isFalse();
        assertThat(shown).hasSize(4).allSatisfy(responses -> assertThat(responses).containsExactly("Red, green and blue."));
        assertThat(prompts.get(0)).contains("Name three colours.").contains("Reference answer").contains("3")
                .doesNotContain("<|im_start|>");
    }

    @Test
    void a_conversation_prompt_is_taken_as_the_turns_it_lists() throws Exception {
        List<List<String>> shown = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> prompts = new java.util.concurrent.CopyOnWriteArrayList<>();
        String base = start(shown, prompts);

        HttpResponse<String> answer = post(base + "/v1/reward", Map.of(
                "prompt", List.of(Map.of("role", "user", "content", "Name two seas.")),
                "response", "The North Sea and the Baltic."));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(JSON.readTree(answer.body()).get("reward").asDouble()).isEqualTo(6.0);
        assertThat(prompts.get(0)).contains("Name two seas.");
    }

    @Test
    void an_empty_response_is_rewarded_at_the_floor_and_flagged_without_a_judge_call() throws Exception {
        List<List<String>> shown = new java.util.concurrent.CopyOnWriteArrayList<>();
        String base = start(shown, new java.util.concurrent.CopyOnWriteArrayList<>());

        JsonNode body = JSON.readTree(post(base + "/v1/reward", Map.of("prompt", CHATML_PROMPT,
                "response", "<|im_end|>")).body());

        assertThat(body.get("reward").asDouble()).isEqualTo(1.0);
        assertThat(body.get("empty_response").asBoolean()).isTrue();
        assertThat(shown).isEmpty();
    }

    @Test
    void missing_or_unknown_fields_are_400s_naming_them() throws Exception {
        String base = start(new java.util.concurrent.CopyOnWriteArrayList<>(), new java.util.concurrent.CopyOnWriteArrayList<>());

        HttpResponse<String> noResponse = post(base + "/v1/reward", Map.of("prompt", CHATML_PROMPT));
        HttpResponse<String> extra = post(base + "/v1/reward", Map.of("prompt", CHATML_PROMPT, "response", "x",
                "rewardkey", "r"));
        HttpResponse<String> badPrompt = post(base + "/v1/reward", Map.of("prompt", 7, "response", "x"));

        assertThat(noResponse.statusCode()).isEqualTo(400);
        assertThat(noResponse.body()).contains("prompt and response are required");
        assertThat(extra.statusCode()).isEqualTo(400);
        assertThat(extra.body()).contains("rewardkey");
        assertThat(badPrompt.statusCode()).isEqualTo(400);
        assertThat(badPrompt.body()).contains("prompt must be a string or an array");
    }

    private static HttpResponse<String> post(String url, Object body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }
}
