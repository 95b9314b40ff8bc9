package dev.grm4j.voting;

import dev.grm4j.core.GrmException;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.testing.ScriptedBackend;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.output.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class GrmScoringModelTest {

    /** Scores a segment by the digit it ends with: "doc 7" gets 7. */
    private static final ScriptedBackend DIGIT_JUDGE = ScriptedBackend.scoring(Duration.ZERO,
            shown -> shown.stream().map(text -> Character.getNumericValue(text.charAt(text.length() - 1))).toList());

    @Test
    void scores_each_segment_on_zero_to_one_in_the_given_order() {
        GrmScoringModel scoring = GrmScoringModel.of(VotingGrm.builder(PointwiseGrm.builder(DIGIT_JUDGE).build()).k(3).build());

        Response<List<Double>> response = scoring.scoreAll(
                List.of(TextSegment.from("doc 1"), TextSegment.from("doc 9"), TextSegment.from("doc 5")), "q");

        assertThat(response.content()).usingComparatorForType((a, b) -> Math.abs(a - b) < 1e-9 ? 0 : Double.compare(a, b), Double.class)
                .containsExactly(0.0, 8 / 9.0, 4 / 9.0);
        assertThat(response.tokenUsage().inputTokenCount()).isEqualTo(300);
    }

    @Test
    void more_segments_than_one_request_holds_are_judged_in_groups_on_one_scale() {
        GrmScoringModel scoring = GrmScoringModel.of(VotingGrm.builder(
                PointwiseGrm.builder(DIGIT_JUDGE).maxResponses(4).build()).k(1).build());
        List<TextSegment> segments = IntStream.range(0, 10).mapToObj(i -> TextSegment.from("doc " + (1 + i % 9))).toList();

        List<Double> scores = scoring.scoreAll(segments, "q").content();

        assertThat(scores).hasSize(10);
        for (int i = 0; i < 10; i++) {
            assertThat(scores.get(i)).isCloseTo((i % 9) / 9.0, within(1e-9));
        }
    }

    @Test
    void a_failed_vote_is_an_exception_not_a_score() {
        ScriptedBackend refusing = ScriptedBackend.answering(Duration.ZERO,
                call -> new Completion("No.", TokenUsage.ZERO, FinishReason.STOP));
        GrmScoringModel scoring = GrmScoringModel.of(VotingGrm.builder(PointwiseGrm.builder(refusing).build()).k(2).build());

        assertThatThrownBy(() -> scoring.scoreAll(List.of(TextSegment.from("a")), "q"))
                .isInstanceOf(GrmException.class).hasMessageContaining("NO_QUORUM");
    }
}
