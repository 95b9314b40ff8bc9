package dev.grm4j.metarm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Principle;
import dev.grm4j.core.TokenUsage;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The remote meta RM against a JDK HTTP server on loopback, answering as vLLM's classify API does. */
class RemoteMetaRmTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final GrmRequest REQUEST = GrmRequest.of("Say \"hi\"\nplease", "hi", "Hello there");

    static Judgement judgement(int first, int second) {
        return Judgement.scored(List.of(new Principle("Brevity (100%): short is good.", 1.0)), "Response 1 is short.",
                List.of(first, second), "Specific Criteria:\n1. Brevity (100%)\n\nAnalysis:\nok\n\nScores: \\boxed{"
                        + first + ", " + second + "}", List.of(0, 1), TokenUsage.ZERO, Duration.ZERO);
    }

    /** A classify answer whose class-1 probability is the first score / 10. */
    static Loopback.Answer classify(String body) {
        try {
            String input = JSON.readTree(body).get("input").asText();
            int boxed = input.indexOf("\\boxed{");
            double p = Integer.parseInt(input.substring(boxed + 7, input.indexOf(',', boxed))) / 10.0;
            return new Loopback.Answer(200, "{\"id\":\"classify-1\",\"data\":[{\"index\":0,\"label\":\"1\",\"probs\":["
                    + (1 - p) + "," + p + "],\"num_classes\":2}]}");
        } catch (Exception e) {
            return new Loopback.Answer(400, "{\"error\":\"" + e + "\"}");
        }
    }

    @Test
    void each_scored_sample_is_posted_and_its_score_read_at_the_pointer() throws Exception {
        try (Loopback server = new Loopback(RemoteMetaRmTest::classify)) {
            MetaRewardModel remote = MetaRewardModel.remote(server.uri()).model("deepseek-grm-27b-metarm")
                    .header("Authorization", "Bearer test-key").build();
            List<Judgement> samples = List.of(judgement(9, 2),
                    Judgement.unparseable("no box", "?", List.of(0, 1), TokenUsage.ZERO, Duration.ZERO),
                    judgement(3, 8));

            List<Double> ratings = remote.rate(REQUEST, samples);

            assertThat(ratings.get(0)).isEqualTo(0.9);
            assertThat(ratings.get(1)).isNaN();
            assertThat(ratings.get(2)).isEqualTo(0.3);
            assertThat(server.bodies).hasSize(2);
            JsonNode body = JSON.readTree(server.bodies.get(0));
            assertThat(body.get("model").asText()).isEqualTo("deepseek-grm-27b-metarm");
            assertThat(body.get("input").asText()).contains("Say \"hi\"\nplease", "[Response 1]\nhi",
                    "[Response 2]\nHello there", "Scores: \\boxed{");
            assertThat(server.authorizations).containsOnly("Bearer test-key");
        }
    }

    @Test
    void the_body_template_and_the_pointer_are_configurable() throws Exception {
        try (Loopback server = new Loopback(body -> new Loopback.Answer(200, "{\"score\": -1.25}"))) {
            MetaRewardModel remote = MetaRewardModel.remote(server.uri())
                    .bodyTemplate("{\"q\": {{query}}, \"t\": {{text}}, \"m\": {{model}}}")
                    .scorePointer("/score")
                    .textFormat((request, judgement) -> "text for " + judgement.scores() + " {{model}}")
                    .build();

            assertThat(remote.rate(REQUEST, List.of(judgement(7, 1)))).containsExactly(-1.25);
            JsonNode body = JSON.readTree(server.bodies.get(0));
            assertThat(body.get("q").asText()).isEqualTo("Say \"hi\"\nplease");
            assertThat(body.get("t").asText()).as("a placeholder inside a value is not replaced")
                    .isEqualTo("text for [7, 1] {{model}}");
            assertThat(body.get("m").asText()).isEmpty();
        }
    }

    @Test
    void an_http_error_is_a_typed_failure_with_status_body_and_sample() throws Exception {
        try (Loopback server = new Loopback(body -> new Loopback.Answer(503, "{\"error\":\"warming up\"}"))) {
            MetaRewardModel remote = MetaRewardModel.remote(server.uri()).build();

            assertThatThrownBy(() -> remote.rate(REQUEST, List.of(judgement(7, 1))))
                    .isInstanceOf(MetaRatingException.class)
                    .hasMessage("meta RM answered HTTP 503 for sample 0: {\"error\":\"warming up\"}")
                    .satisfies(e -> {
                        MetaRatingException failure = (MetaRatingException) e;
                        assertThat(failure.statusCode()).hasValue(503);
                        assertThat(failure.sample()).hasValue(0);
                        assertThat(failure.answer()).contains("{\"error\":\"warming up\"}");
                    });
        }
    }

    @Test
    void an_answer_without_a_number_at_the_pointer_is_a_typed_failure() throws Exception {
        try (Loopback server = new Loopback(body -> new Loopback.Answer(200, "{\"data\": [{\"probs\": [0.4]}]}"))) {
            MetaRewardModel remote = MetaRewardModel.remote(server.uri()).build();

            assertThatThrownBy(() -> remote.rate(REQUEST, List.of(judgement(7, 1))))
                    .isInstanceOf(MetaRatingException.class)
                    .hasMessageStartingWith("meta RM answer for sample 0 has no finite number at /data/0/probs/1");
        }
    }

    @Test
    void an_answer_that_repeats_a_key_is_a_typed_failure_not_a_silently_chosen_score() throws Exception {
        try (Loopback server = new Loopback(body -> new Loopback.Answer(200, "{\"score\": 0.1, \"score\": 0.9}"))) {
            MetaRewardModel remote = MetaRewardModel.remote(server.uri()).scorePointer("/score").build();

            assertThatThrownBy(() -> remote.rate(REQUEST, List.of(judgement(7, 1))))
                    .isInstanceOf(MetaRatingException.class)
                    .hasMessageStartingWith("meta RM answer for sample 0 is not JSON: ");
        }
    }

    @Test
    void a_server_that_is_not_there_is_a_typed_failure_with_the_cause() throws Exception {
        URI closed;
        try (Loopback server = new Loopback(body -> new Loopback.Answer(200, "{}"))) {
            closed = server.uri();
        }
        MetaRewardModel remote = MetaRewardModel.remote(closed).timeout(Duration.ofSeconds(2)).build();

        assertThatThrownBy(() -> remote.rate(REQUEST, List.of(judgement(7, 1))))
                .isInstanceOf(MetaRatingException.class)
                .hasMessageStartingWith("meta RM call for sample 0 to " + closed + " failed: ")
                .hasCauseInstanceOf(java.io.IOException.class);
    }

    @Test
    void calls_in_flight_never_exceed_max_concurrency() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        try (Loopback server = new Loopback(RemoteMetaRmTest::classify, gate)) {
            MetaRewardModel remote = MetaRewardModel.remote(server.uri()).maxConcurrency(2).build();
            List<Judgement> samples = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                samples.add(judgement(1 + i % 9, 5));
            }

            // All ten are asked for at once; the server holds the first two until both are in.
            CompletableFuture<List<Double>> rating = remote.rateAsync(REQUEST, samples);
            server.awaitInFlight(2);
            gate.countDown();
            List<Double> ratings = rating.get(30, TimeUnit.SECONDS);

            assertThat(ratings).hasSize(10).doesNotContainNull();
            assertThat(server.bodies).hasSize(10);
            assertThat(server.maxInFlight.get()).isBetween(1, 2);
        }
    }

    @Test
    void a_builder_changed_after_build_leaves_what_it_built_as_it_was() throws Exception {
        try (Loopback server = new Loopback(body -> new Loopback.Answer(200, "{\"score\": 0.5}"))) {
            MetaRewardModel.RemoteBuilder builder = MetaRewardModel.remote(server.uri()).scorePointer("/score")
                    .header("Authorization", "Bearer first");
            MetaRewardModel first = builder.build();

            builder.header("Authorization", "Bearer second").scorePointer("/other");
            first.rate(REQUEST, List.of(judgement(7, 1)));

            assertThat(server.authorizations).containsExactly("Bearer first");
        }
    }

    @Test
    void the_builder_checks_each_setting() {
        assertThatThrownBy(() -> MetaRewardModel.remote(URI.create("ftp://host/x")))
                .hasMessageContaining("http or https");
        MetaRewardModel.RemoteBuilder builder = MetaRewardModel.remote(URI.create("http://127.0.0.1:1/classify"));
        assertThatThrownBy(() -> builder.bodyTemplate("{\"input\": 1}")).hasMessageContaining("{{text}}");
        assertThatThrownBy(() -> builder.scorePointer("data/0")).hasMessageContaining("not a JSON Pointer");
        assertThatThrownBy(() -> builder.timeout(Duration.ZERO)).hasMessageContaining("timeout must be positive");
        assertThatThrownBy(() -> builder.maxConcurrency(0)).hasMessageContaining("maxConcurrency");
    }
}
