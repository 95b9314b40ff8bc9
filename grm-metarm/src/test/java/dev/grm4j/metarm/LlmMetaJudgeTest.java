package dev.grm4j.metarm;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Message;
import dev.grm4j.core.Principle;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.internal.Fences;
import dev.grm4j.core.testing.ScriptedBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LlmMetaJudgeTest {

    static final GrmRequest REQUEST = GrmRequest.of("What is 2 + 2?", "4", "5");

    static Judgement judgement(List<Integer> scores, List<Integer> order, String critique) {
        return Judgement.scored(List.of(new Principle("Arithmetic (100%): the sum must be right.", 1.0)), critique,
                scores, "raw", order, TokenUsage.ZERO, Duration.ZERO);
    }

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @CsvSource(delimiter = '|', value = {
            "Answer: Yes|1.0",
            "Answer: no.|0.0",
            "The scores look right.\\nAnswer: 0.83|0.83",
            "**Answer:** 72%|0.72",
            "answer：.5|0.5",
            "Yes|1.0",
            "0.25|0.25",
            "<think>Answer: No</think>\\nAnswer: 1|1.0",
            "Answer: 0.2\\nWait, I re-checked.\\nAnswer: 0.9|0.9"})
    void an_answer_is_read_as_a_probability(String answer, double expected) {
        assertThat(LlmMetaJudge.read(answer.replace("\\n", "\n"), 0)).isCloseTo(expected, within(1e-12));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"Answer: maybe", "Answer: 1.5", "Answer: 150%", "It depends on the grader.", "",
            "I think the judgement is probably correct because the analysis is careful and complete."})
    void an_answer_without_a_probability_is_a_typed_failure_carrying_the_text(String answer) {
        assertThatThrownBy(() -> LlmMetaJudge.read(answer, 3))
                .isInstanceOf(MetaRatingException.class)
                .hasMessageContaining("sample 3 is neither yes/no nor a probability")
                .satisfies(e -> {
                    MetaRatingException failure = (MetaRatingException) e;
                    assertThat(failure.sample()).isEqualTo(OptionalInt.of(3));
                    assertThat(failure.answer()).isEqualTo(Optional.of(answer));
                });
    }

    @Test
    void one_question_per_scored_sample_none_for_a_failed_one() {
        ScriptedBackend backend = ScriptedBackend.writing(call -> "Answer: 0.7");
        MetaRewardModel judge = MetaRewardModel.llmJudge(backend).build();
        List<Judgement> samples = List.of(
                judgement(List.of(9, 2), List.of(0, 1), "Response 1 is right."),
                Judgement.unparseable("no box", "junk", List.of(1, 0), TokenUsage.ZERO, Duration.ZERO),
                judgement(List.of(3, 8), List.of(1, 0), "Response 1 is right."));

        List<Double> ratings = judge.rate(REQUEST, samples);

        assertThat(ratings.get(0)).isEqualTo(0.7);
        assertThat(ratings.get(1)).isNaN();
        assertThat(ratings.get(2)).isEqualTo(0.7);
        assertThat(backend.calls()).hasSize(2);
    }

    @Test
    void the_question_shows_the_responses_fenced_as_the_judge_saw_them_with_its_scores() {
        ScriptedBackend backend = ScriptedBackend.writing(call -> "Answer: Yes");
        // The judge saw "5" first and "4" second: its critique's "Response 1" is "5".
        Judgement sample = judgement(List.of(9, 2), List.of(1, 0), "Response 1 (5) is wrong; Response 2 (4) is right.");

        MetaRewardModel.llmJudge(backend).build().rate(REQUEST, List.of(sample));

        CompletionRequest call = backend.calls().get(0);
        assertThat(call.messages()).extracting(Message::role).containsExactly(Message.Role.SYSTEM, Message.Role.USER);
        String question = call.messages().get(1).content();
        assertThat(Fences.extract(question)).containsExactly("5", "4");
        assertThat(question).contains("What is 2 + 2?", "Arithmetic (100%): the sum must be right.",
                "Response 1 (5) is wrong; Response 2 (4) is right.", "Response 1: 2\nResponse 2: 9\n",
                "Is this judgement correct?");
        assertThat(call.messages().get(0).content()).contains("Answer: P");
        assertThat(call.sampling().temperature()).isZero();
    }

    @Test
    void a_failed_call_is_a_typed_failure_with_the_sample_and_the_status() {
        ScriptedBackend backend = ScriptedBackend.writing(call -> {
            throw new BackendException("HTTP 429: slow down", null, true, OptionalInt.of(429), Optional.empty());
        });
        MetaRewardModel judge = MetaRewardModel.llmJudge(backend).build();

        assertThatThrownBy(() -> judge.rate(REQUEST, List.of(judgement(List.of(9, 2), List.of(0, 1), "ok"))))
                .isInstanceOf(MetaRatingException.class)
                .hasMessage("meta judge call for sample 0 failed: HTTP 429: slow down")
                .hasCauseInstanceOf(BackendException.class)
                .satisfies(e -> assertThat(((MetaRatingException) e).statusCode()).hasValue(429));
    }

    @Test
    void the_builder_rejects_a_bad_concurrency() {
        assertThatThrownBy(() -> MetaRewardModel.llmJudge(ScriptedBackend.writing(call -> "")).maxConcurrency(0))
                .hasMessage("maxConcurrency must be >= 1, was 0");
    }
}
