package dev.grm4j.examples.eval;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.Principle;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.principles.PrincipleStrategy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class EvalSimulatorTest {

    private static final String GOOD = "Paris is the capital of France.";
    private static final String BAD = "Lyon is the capital of France.";
    private static final GrmRequest REQUEST = GrmRequest.of("What is the capital of France?", GOOD, BAD);

    private final EvalSimulator simulator = new EvalSimulator(() -> SimulatedJudge.builder().accuracy(1.0));
    private final PointwiseGrm grm = PointwiseGrm.builder(simulator).build();

    @Test
    void an_open_item_is_judged_with_its_truth_in_any_presentation_order() {
        simulator.open(REQUEST.responses(), 0);

        for (List<Integer> order : List.of(List.of(0, 1), List.of(1, 0))) {
            Judgement judgement = grm.judge(REQUEST, SamplingOptions.sampled(0.5).withSeed(7), order);
            assertThat(judgement.scores().get(0)).isGreaterThan(judgement.scores().get(1));
        }
    }

    @Test
    void a_set_is_forgotten_once_every_item_that_opened_it_is_closed() {
        simulator.open(REQUEST.responses(), 0);
        simulator.open(List.of(BAD, GOOD), 1);
        assertThat(simulator.known()).isEqualTo(1);

        simulator.close(REQUEST.responses());
        assertThat(simulator.known()).isEqualTo(1);
        simulator.close(List.of(BAD, GOOD));
        assertThat(simulator.known()).isZero();
    }

    @Test
    void it_answers_as_one_shared_simulated_judge_told_every_truth_would() {
        GroundTruth truth = GroundTruth.create().register(REQUEST.responses(), 0);
        PointwiseGrm shared = PointwiseGrm.builder(SimulatedJudge.builder().accuracy(0.6).groundTruth(truth).build())
                .build();
        EvalSimulator sixty = new EvalSimulator(() -> SimulatedJudge.builder().accuracy(0.6));
        sixty.open(REQUEST.responses(), 0);
        PointwiseGrm perItem = PointwiseGrm.builder(sixty).build();

        for (long seed = 0; seed < 20; seed++) {
            SamplingOptions sampling = SamplingOptions.sampled(0.5).withSeed(seed);
            assertThat(perItem.judge(REQUEST, sampling, List.of(1, 0)).scores())
                    .isEqualTo(shared.judge(REQUEST, sampling, List.of(1, 0)).scores());
        }
    }

    @Test
    void a_principle_generation_prompt_without_fenced_responses_gets_a_short_weighted_criteria_list() {
        // given: the 'once' strategy asking the simulator, which knows no set, for the query's principles
        PrincipleStrategy once = PrincipleStrategy.generatedOnce(simulator, 10);

        // when
        List<Principle> principles = once.principles(REQUEST);

        // then
        assertThat(principles).hasSize(4);
        assertThat(principles.stream().mapToDouble(Principle::weight).sum()).isCloseTo(1.0, within(1e-9));
        assertThat(once.stats().calls()).isEqualTo(1);
        assertThat(once.stats().tokens().outputTokens()).isPositive();
    }
}
