package dev.grm4j.core;

import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.LangChain4jBackend;
import dev.grm4j.core.testing.Fault;
import dev.grm4j.core.testing.FaultPlan;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiChatRequestParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole path as users run it: PointwiseGrm, the langchain4j adapter, langchain4j's real OpenAI
 * client, real HTTP on loopback, and the simulated judge behind an OpenAI-compatible server.
 */
class OpenAiOverLoopbackTest {

    private static final String GOOD = "The boiling point of water at sea level is 100 °C (212 °F).";
    private static final String BAD = "Water boils at about 90 °C at sea level.";

    private SimulatedJudgeServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private PointwiseGrm grmAgainst(SimulatedJudge judge, FaultPlan faults) {
        server = SimulatedJudgeServer.builder(judge).faults(faults).build().start();
        ChatModel chat = OpenAiChatModel.builder()
                .baseUrl(server.baseUrl()).apiKey("test-key").modelName("simulated-judge")
                .maxRetries(0).timeout(Duration.ofSeconds(10)).build();
        LangChain4jBackend backend = LangChain4jBackend.builder(chat)
                .parameters(sampling -> OpenAiChatRequestParameters.builder()
                        .temperature(sampling.temperature())
                        .maxOutputTokens(sampling.maxOutputTokens())
                        .seed(sampling.seed().isPresent() ? (int) sampling.seed().getAsLong() : null)
                        .build())
                .build();
        return PointwiseGrm.builder(backend).build();
    }

    private static SimulatedJudge perfectJudge(GroundTruth truth) {
        return SimulatedJudge.builder().accuracy(1.0).groundTruth(truth).seed(1).build();
    }

    @Test
    void scores_a_pair_and_finds_the_best_in_either_order() {
        GroundTruth truth = GroundTruth.create().register(List.of(GOOD, BAD), 0);
        PointwiseGrm grm = grmAgainst(perfectJudge(truth), FaultPlan.none());
        GrmRequest request = GrmRequest.of("At what temperature does water boil at sea level?", GOOD, BAD);

        for (List<Integer> order : List.of(List.of(0, 1), List.of(1, 0))) {
            Judgement judgement = grm.judge(request, SamplingOptions.sampled(0.5).withSeed(3), order);

            assertThat(judgement.outcome()).isEqualTo(Outcome.SCORED);
            assertThat(judgement.scores().get(0)).isGreaterThan(judgement.scores().get(1));
            assertThat(judgement.principles()).isNotEmpty();
            assertThat(judgement.principles().stream().mapToDouble(Principle::weight).sum())
                    .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(judgement.critique()).isNotBlank();
            assertThat(judgement.usage().inputTokens()).isPositive();
            assertThat(judgement.usage().outputTokens()).isPositive();
        }
        assertThat(grm.reward(request).best()).isZero();
        assertThat(grm.modelName()).isEqualTo("simulated-judge");
    }

    @Test
    void scores_a_single_response() {
        PointwiseGrm grm = grmAgainst(perfectJudge(GroundTruth.create()), FaultPlan.none());

        Reward reward = grm.reward(GrmRequest.of("At what temperature does water boil?", GOOD));

        assertThat(reward.scores()).singleElement().satisfies(score -> assertThat(score).isBetween(1, 10));
        assertThat(reward.best()).isZero();
    }

    @Test
    void scores_a_list_of_four() {
        List<String> four = List.of(BAD, "It boils at 50 °C.", GOOD, "Water never boils.");
        PointwiseGrm grm = grmAgainst(perfectJudge(GroundTruth.create().register(four, 2)), FaultPlan.none());

        Reward reward = grm.reward(GrmRequest.of("At what temperature does water boil at sea level?", four));

        assertThat(reward.scores()).hasSize(4);
        assertThat(reward.best()).isEqualTo(2);
    }

    @Test
    void scores_with_a_reference_answer() {
        GroundTruth truth = GroundTruth.create().register(List.of(BAD, GOOD), 1);
        PointwiseGrm grm = grmAgainst(perfectJudge(truth), FaultPlan.none());
        GrmRequest request = GrmRequest.builder().query("At what temperature does water boil at sea level?")
                .responses(BAD, GOOD).reference("100 °C").build();

        Reward reward = grm.reward(request);

        assertThat(reward.best()).isEqualTo(1);
    }

    @Test
    void an_http_500_is_a_backend_error_with_its_status() {
        PointwiseGrm grm = grmAgainst(perfectJudge(GroundTruth.create()), FaultPlan.always(Fault.status(500)));

        Judgement judgement = grm.judge(GrmRequest.of("q", GOOD, BAD), SamplingOptions.greedy());

        assertThat(judgement.outcome()).isEqualTo(Outcome.BACKEND_ERROR);
        assertThat(judgement.cause()).get().isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.statusCode()).hasValue(500);
            assertThat(e.isRetriable()).isTrue();
        });
        assertThat(judgement.failure()).get().asString().doesNotContain("test-key");
    }

    @Test
    void a_completion_cut_off_by_the_budget_is_truncated() {
        PointwiseGrm grm = grmAgainst(perfectJudge(GroundTruth.create()), FaultPlan.none());

        Judgement judgement = grm.judge(GrmRequest.of("q", GOOD, BAD), SamplingOptions.greedy().withMaxOutputTokens(20));

        assertThat(judgement.outcome()).isEqualTo(Outcome.TRUNCATED);
        assertThat(judgement.rawOutput()).isNotEmpty();
    }

    @Test
    void a_completion_the_server_reports_as_length_is_truncated() {
        PointwiseGrm grm = grmAgainst(perfectJudge(GroundTruth.create()), FaultPlan.always(Fault.truncated()));

        assertThat(grm.judge(GrmRequest.of("q", GOOD, BAD), SamplingOptions.greedy()).outcome())
                .isEqualTo(Outcome.TRUNCATED);
    }

    @Test
    void the_async_path_gives_the_same_judgement() {
        GroundTruth truth = GroundTruth.create().register(List.of(GOOD, BAD), 0);
        PointwiseGrm grm = grmAgainst(perfectJudge(truth), FaultPlan.none());
        GrmRequest request = GrmRequest.of("q", GOOD, BAD);
        SamplingOptions sampling = SamplingOptions.sampled(0.5).withSeed(11);

        Judgement sync = grm.judge(request, sampling, List.of(1, 0));
        Judgement async = grm.judgeAsync(request, sampling, List.of(1, 0)).join();

        assertThat(async.rawOutput()).isEqualTo(sync.rawOutput());
        assertThat(async.scores()).isEqualTo(sync.scores());
    }
}
