package dev.grm4j.principles;

import dev.grm4j.core.Outcome;
import dev.grm4j.core.Principle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PrinciplesTest {

    /** One row: a principle text and the weights it must yield. */
    record Row(String spec, String text, double... weights) {
        @Override
        public String toString() {
            return spec;
        }
    }

    static Stream<Row> weights() {
        return Stream.of(
                new Row("percentages", "Correctness (40%): right answer\nClarity (60%): easy to follow", 0.4, 0.6),
                new Row("percentages that do not sum to 100 are scaled",
                        "Correctness (60%): right\nClarity (60%): clear", 0.5, 0.5),
                new Row("decimals in brackets", "Correctness (0.7): right\nClarity (0.3): clear", 0.7, 0.3),
                new Row("fractions", "- Correctness [2/3]: right\n- Clarity [1/3]: clear", 2 / 3.0, 1 / 3.0),
                new Row("weight annotations", "1. Correctness, weight: 3\n2. Clarity, weight = 1", 0.75, 0.25),
                new Row("no weights: equal", "Correctness: right\nClarity: clear\nTone: kind", 1 / 3.0, 1 / 3.0,
                        1 / 3.0),
                new Row("partial weights: the unweighted get the mean of the given",
                        "Correctness (50%): right\nClarity (30%): clear\nTone: kind", 0.5 / 1.2, 0.3 / 1.2, 0.4 / 1.2),
                new Row("bullets with continuation lines",
                        "1. Correctness (80%): the answer\n   must be right\n2. Clarity (20%): clear", 0.8, 0.2),
                new Row("a model's answer: the section under the criteria label",
                        "Sure, here they are.\n\nSpecific Criteria:\n1. Correctness (70%): right\n"
                                + "2. Brevity (30%): short\n", 0.7, 0.3),
                new Row("a model's answer after a thinking block",
                        "<think>Percentages: 90% and 10%?</think>\nSpecific Criteria:\n- Correctness (60%): right\n"
                                + "- Brevity (40%): short", 0.6, 0.4),
                new Row("a line named like a section is a principle, not a label",
                        "Scores (25%): scores are justified\nAnalysis depth (75%): deep", 0.25, 0.75));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("weights")
    void reads_weights_and_normalizes_them_to_sum_to_one(Row row) {
        List<Principle> principles = Principles.parse(row.text());

        assertThat(weightsOf(principles)).containsExactly(row.weights(), within(1e-9));
        assertThat(principles.stream().mapToDouble(Principle::weight).sum()).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void keeps_the_principle_texts_as_written_minus_the_bullet() {
        List<Principle> principles = Principles.parse("1. Correctness (80%): the answer\n   must be right\n"
                + "2. Clarity (20%): clear");

        assertThat(principles).extracting(Principle::text)
                .containsExactly("Correctness (80%): the answer must be right", "Clarity (20%): clear");
    }

    static Stream<Row> unusable() {
        return Stream.of(
                new Row("blank text", "  \n "),
                new Row("weights summing to zero", "Correctness (0%): right\nClarity (0%): clear"),
                new Row("an empty criteria section", "Specific Criteria:\n\nAnalysis:\nnothing"),
                new Row("an unterminated thinking block", "<think>Let me think about criteria"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unusable")
    void fails_with_a_typed_parse_problem_never_an_empty_list(Row row) {
        assertThatThrownBy(() -> Principles.parse(row.text()))
                .isInstanceOfSatisfying(PrincipleException.class, e -> {
                    assertThat(e.outcome()).isEqualTo(Outcome.UNPARSEABLE);
                    assertThat(e.reason()).isNotBlank();
                    assertThat(e.rawOutput()).isEqualTo(row.text());
                });
    }

    static Stream<Row> normalized() {
        return Stream.of(
                new Row("percent-like weights", "40,60", 0.4, 0.6),
                new Row("relative weights", "2,1,1", 0.5, 0.25, 0.25),
                new Row("weights already summing to one", "0.25,0.75", 0.25, 0.75),
                new Row("all zero: equal shares", "0,0", 0.5, 0.5),
                new Row("one principle", "7", 1.0),
                new Row("a zero among others keeps its zero", "0,3", 0.0, 1.0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("normalized")
    void normalizes_given_weights_to_sum_to_one(Row row) {
        String[] raw = row.text().split(",");
        List<Principle> given = Stream.of(raw)
                .map(weight -> new Principle("criterion " + weight, Double.parseDouble(weight)))
                .toList();

        List<Principle> normalized = Principles.normalize(given);

        assertThat(weightsOf(normalized)).containsExactly(row.weights(), within(1e-9));
        assertThat(normalized).extracting(Principle::text)
                .containsExactlyElementsOf(given.stream().map(Principle::text).toList());
    }

    @Test
    void refuses_to_normalize_an_empty_list() {
        assertThatThrownBy(() -> Principles.normalize(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("principles is empty: at least 1 principle is required");
    }

    private static double[] weightsOf(List<Principle> principles) {
        return principles.stream().mapToDouble(Principle::weight).toArray();
    }
}
