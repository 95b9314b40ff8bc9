package dev.grm4j.principles;

import dev.grm4j.core.Judgement;
import dev.grm4j.core.ScoreRange;
import dev.grm4j.core.TokenUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpctRewardTest {

    private static String rollout(String box) {
        return "Specific Criteria:\n1. Correctness (100%): the answer is right.\n\nAnalysis:\nChecked each one.\n\n"
                + "Scores: " + box;
    }

    /** One row: a rollout, how many responses it judged, the label, and the reward it must get. */
    record Row(String spec, String text, int responses, int label, int reward) {
        @Override
        public String toString() {
            return spec;
        }
    }

    static Stream<Row> table() {
        return Stream.of(
                new Row("best strictly highest of two", rollout("\\boxed{8, 3}"), 2, 0, 1),
                new Row("another response highest", rollout("\\boxed{3, 8}"), 2, 0, -1),
                new Row("a tie at the top is wrong", rollout("\\boxed{8, 8}"), 2, 0, -1),
                new Row("best strictly highest of four", rollout("\\boxed{2, 5, 9, 8}"), 4, 2, 1),
                new Row("a tie at the top of four is wrong", rollout("\\boxed{2, 9, 9, 8}"), 4, 2, -1),
                new Row("a tie below the best does not matter", rollout("\\boxed{9, 4, 4}"), 3, 0, 1),
                new Row("single response scored as labelled", rollout("\\boxed{7}"), 1, 7, 1),
                new Row("single response scored above the label", rollout("\\boxed{8}"), 1, 7, -1),
                new Row("single response scored below the label", rollout("\\boxed{6}"), 1, 7, -1),
                new Row("no box", rollout("8 and 3"), 2, 0, -1),
                new Row("wrong number of scores", rollout("\\boxed{8, 3, 1}"), 2, 0, -1),
                new Row("score out of range", rollout("\\boxed{11, 3}"), 2, 0, -1),
                new Row("no principles", "Analysis:\nFine.\n\nScores: \\boxed{8, 3}", 2, 0, -1),
                new Row("empty rollout", "", 2, 0, -1),
                new Row("null rollout", null, 2, 0, -1),
                new Row("unterminated thinking", "<think>" + rollout("\\boxed{8, 3}"), 2, 0, -1),
                new Row("the verdict after thinking counts", "<think>maybe 3, 8</think>\n" + rollout("\\boxed{8, 3}"),
                        2, 0, 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void rewards_plus_one_only_for_a_correct_readable_rollout(Row row) {
        assertThat(SpctReward.of(row.text(), row.responses(), row.label())).isEqualTo(row.reward());
    }

    @Test
    void reads_other_score_ranges_and_rollouts_given_their_principles() {
        String noPrinciples = "Analysis:\nFine.\n\nScores: \\boxed{4, 2}";

        assertThat(SpctReward.of(noPrinciples, 2, 0, ScoreRange.of(0, 5), false)).isEqualTo(SpctReward.CORRECT);
        assertThat(SpctReward.of(noPrinciples, 2, 0, ScoreRange.of(0, 5), true)).isEqualTo(SpctReward.WRONG);
        assertThat(SpctReward.of(rollout("\\boxed{7, 2}"), 2, 0, ScoreRange.of(0, 5), true))
                .as("7 is outside 0..5").isEqualTo(SpctReward.WRONG);
    }

    @Test
    void rewards_a_judgement_in_the_requests_order() {
        // shown as (response 1, response 0) and scored 9, 4: response 1 is the judge's choice
        Judgement judgement = Judgement.scored(List.of(), "c", List.of(4, 9), rollout("\\boxed{9, 4}"), List.of(1, 0),
                TokenUsage.ZERO, Duration.ZERO);
        Judgement unparseable = Judgement.unparseable("no box", "x", List.of(0, 1), TokenUsage.ZERO, Duration.ZERO);

        assertThat(SpctReward.of(judgement, 1)).isEqualTo(SpctReward.CORRECT);
        assertThat(SpctReward.of(judgement, 0)).isEqualTo(SpctReward.WRONG);
        assertThat(SpctReward.of(unparseable, 0)).isEqualTo(SpctReward.WRONG);
    }

    @Test
    void refuses_a_label_that_is_not_a_position() {
        assertThatThrownBy(() -> SpctReward.of(rollout("\\boxed{8, 3}"), 2, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("label must be the best response's index in 0..1 when there are 2 responses, was 2");
        assertThatThrownBy(() -> SpctReward.of("x", 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("responses must be >= 1, was 0");
        assertThatThrownBy(() -> SpctReward.isCorrect(List.of(), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
