package dev.grm4j.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.internal.Fences;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.metarm.MetaGuidedVoting;
import dev.grm4j.metarm.MetaRewardModel;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reward server over a meta-guided vote (grm serve --meta): every answer is the one the server
 * gave before MetaGuidedVoting became a VotingGrm. The expected bodies of /v1/score and /get_reward
 * were recorded from that server; they are compared as JSON trees, since some of the server's maps
 * (Map.of) have no fixed key order.
 */
class MetaRmServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final List<String> PAIR = List.of("The capital of France is Paris.", "The capital of France is Lyon.");

    private RewardServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Trusts the samples that put response 1 on top (one response: the earlier samples). */
    static MetaRewardModel contrarian() {
        return new MetaRewardModel() {
            @Override
            public CompletableFuture<List<Double>> rateAsync(GrmRequest request, List<Judgement> samples) {
                List<Double> ratings = new ArrayList<>();
                for (int i = 0; i < samples.size(); i++) {
                    Judgement sample = samples.get(i);
                    ratings.add(!sample.isScored() ? Double.NaN : sample.scores().size() > 1
                            ? (sample.scores().get(1) > sample.scores().get(0) ? 1.0 : 0.0) : 1.0 - i / 100.0);
                }
                return CompletableFuture.completedFuture(ratings);
            }

            @Override
            public String name() {
                return "contrarian";
            }
        };
    }

    private static VotingGrm voting() {
        SimulatedJudge judge = SimulatedJudge.builder().accuracy(0.65).seed(11)
                .groundTruth(GroundTruth.create().register(PAIR, 0)).build();
        // RANDOM is the per-sample shuffle these answers were recorded with, before balanced orders.
        return VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(8).seed(9)
                .shuffle(VotingGrm.Shuffle.RANDOM).build();
    }

    private static MetaGuidedVoting guided(VotingGrm voting) {
        return MetaGuidedVoting.builder(voting, contrarian()).kMeta(3).seed(5).build();
    }

    private String start(RewardServer.Builder builder) throws Exception {
        server = builder.port(0).build().start();
        return server.baseUrl();
    }

    private static JsonNode expected(String resource) throws Exception {
        try (var in = MetaRmServerTest.class.getResourceAsStream(resource)) {
            return JSON.readTree(in);
        }
    }

    private static HttpResponse<String> post(String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    static final String SCORE = "{\"query\": \"What is the capital of France?\", \"responses\": "
            + "[\"The capital of France is Paris.\", \"The capital of France is Lyon.\"]}";
    static final String REWARD = "{\"query\": [\"<|im_start|>user\\nName three colours.<|im_end|>\\n<|im_start|>assistant\\n"
            + "Red, green and blue.\"], \"prompts\": [\"<|im_start|>user\\nName three colours.<|im_end|>\\n"
            + "<|im_start|>assistant\\n\"]}";

    @Test
    void score_and_get_reward_answer_the_guided_vote_as_they_did_before() throws Exception {
        String base = start(RewardServer.builder(guided(voting())));

        HttpResponse<String> score = post(base + "/v1/score", SCORE);
        HttpResponse<String> reward = post(base + "/get_reward", REWARD);

        assertThat(score.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(score.body())).isEqualTo(expected("meta-score.json"));
        assertThat(reward.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(reward.body())).isEqualTo(expected("meta-reward.json"));
    }

    @Test
    void spct_reward_answers_with_a_meta_rm_exactly_as_without_one() throws Exception {
        String nonce = Fences.nonceFor(List.of("a", "b"));
        String prompt = "judge these\n" + Fences.fence(1, nonce, "a") + "\n\n" + Fences.fence(2, nonce, "b");
        String right = "Specific Criteria:\n1. Right (100%): is right.\nAnalysis:\nB is right.\nScores: \\boxed{3, 8}";
        String body = JSON.writeValueAsString(java.util.Map.of("query", List.of(prompt + right, prompt + "I think B."),
                "prompts", List.of(prompt, prompt), "labels", List.of("1", "1")));
        VotingGrm voting = voting();
        HttpResponse<String> plain;
        try (RewardServer alone = RewardServer.builder(voting).port(0).build().start()) {
            plain = post(alone.baseUrl() + "/v1/spct-reward", body);
        }

        HttpResponse<String> guided = post(start(RewardServer.builder(guided(voting))) + "/v1/spct-reward", body);

        assertThat(guided.statusCode()).isEqualTo(plain.statusCode()).isEqualTo(200);
        assertThat(guided.body()).isEqualTo(plain.body()).isEqualTo(
                "{\"rewards\":[1.0,-1.0],\"scores\":[1.0,0.0],\"extra_logs\":{}}");
    }
}
