package dev.grm4j.core.parse;

import dev.grm4j.core.Principle;
import dev.grm4j.core.ScoreRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class GrmOutputParserTest {

    private static final GrmOutputParser PARSER = GrmOutputParser.of(ScoreRange.DEFAULT);

    private static final String CRITERIA = """
            Specific Criteria:
            1. Instruction adherence (40%): The response must answer in under 100 words, as asked.
            2. Accuracy (35%): Dates and figures must be correct.
            3. Clarity (25%): The answer should be easy to follow.
            """;

    private static final String ANALYSIS = """
            Analysis:
            Response 1: It stays within the word limit, gives the right year (1969) and reads well.
            Response 2: It runs to 180 words and places the landing in 1970, a factual error.
            """;

    /** A judgement in the paper's layout, ending with {@code scores}. */
    private static String judged(String scores) {
        return CRITERIA + "\n" + ANALYSIS + "\n" + scores;
    }

    /** One row of the table: an output, the number of responses, and what the parser must make of it. */
    record Case(String spec, String output, int responses, List<Integer> scores, String failure) {

        /** Checks that {@code result} is what this row says: its scores, or a failure naming its reason. */
        void assertMatches(ParseResult result) {
            if (scores != null) {
                assertThat(result).isInstanceOfSatisfying(ParseResult.Parsed.class,
                        parsed -> assertThat(parsed.scores()).containsExactlyElementsOf(scores));
            } else {
                assertThat(result).isInstanceOfSatisfying(ParseResult.Failed.class,
                        failed -> assertThat(failed.reason()).containsIgnoringCase(failure));
            }
        }

        static Case reads(String spec, String output, int responses, Integer... scores) {
            return new Case(spec, output, responses, List.of(scores), null);
        }

        static Case fails(String spec, String output, int responses, String failure) {
            return new Case(spec, output, responses, null, failure);
        }

        @Override
        public String toString() {
            return spec;
        }
    }

    static Stream<Case> table() {
        return Stream.of(
                // Well-formed outputs.
                Case.reads("reads a well-formed pair", judged("Scores: \\boxed{8, 5}"), 2, 8, 5),
                Case.reads("reads a single response", judged("Scores: \\boxed{7}"), 1, 7),
                Case.reads("reads four responses in order", judged("Scores: \\boxed{9, 6, 3, 7}"), 4, 9, 6, 3, 7),
                Case.reads("reads the range ends", judged("Scores: \\boxed{1, 10}"), 2, 1, 10),
                Case.reads("reads a leading plus sign", judged("Scores: \\boxed{+8, 5}"), 2, 8, 5),
                Case.reads("reads a leading zero", judged("Scores: \\boxed{08, 05}"), 2, 8, 5),

                // Spacing.
                Case.reads("tolerates spaces inside the box", judged("Scores: \\boxed{ 8 , 5 }"), 2, 8, 5),
                Case.reads("tolerates a space before the brace", judged("Scores: \\boxed {8 , 5}"), 2, 8, 5),
                Case.reads("tolerates no space after the comma", judged("Scores: \\boxed{8,5}"), 2, 8, 5),
                Case.reads("reads a box on the line below the label", judged("Scores:\n\\boxed{8, 5}"), 2, 8, 5),
                Case.reads("reads a box two lines below the label", judged("Scores:\n\n  \\boxed{8, 5}\n"), 2, 8, 5),
                Case.reads("tolerates a space before the colon", judged("Scores : \\boxed{8, 5}"), 2, 8, 5),
                Case.reads("tolerates a line break inside the box", judged("Scores: \\boxed{8,\n5}"), 2, 8, 5),
                Case.reads("tolerates no-break spaces in the box", judged("Scores: \\boxed{8,\u00a05}"), 2, 8, 5),
                Case.reads("tolerates windows line endings",
                        judged("Scores: \\boxed{8, 5}\r\n").replace("\n", "\r\n"), 2, 8, 5),

                // Markdown.
                Case.reads("accepts a bold label with the colon inside", judged("**Scores:** \\boxed{8, 5}"), 2, 8, 5),
                Case.reads("accepts a bold label with the colon outside", judged("**Scores**: \\boxed{8, 5}"), 2, 8, 5),
                Case.reads("accepts an underscored label", judged("__Scores__: \\boxed{8, 5}"), 2, 8, 5),
                Case.reads("accepts a heading label without a colon", judged("### Scores\n\\boxed{8, 5}"), 2, 8, 5),
                Case.reads("accepts a numbered heading label", judged("## 3. Final Scores\n\n\\boxed{8, 5}"), 2, 8, 5),
                Case.reads("accepts a bold box", judged("Scores: **\\boxed{8, 5}**"), 2, 8, 5),
                Case.reads("accepts bold items inside the box", judged("Scores: \\boxed{**8**, 5}"), 2, 8, 5),
                Case.reads("accepts a box in math dollars", judged("Scores: $\\boxed{8, 5}$"), 2, 8, 5),
                Case.reads("accepts a box in display math", judged("Scores:\n$$\n\\boxed{8, 5}\n$$"), 2, 8, 5),
                Case.reads("accepts a box in a code fence", judged("Scores:\n```\n\\boxed{8, 5}\n```"), 2, 8, 5),
                Case.reads("accepts a json-escaped backslash", judged("Scores: \\\\boxed{8, 5}"), 2, 8, 5),
                Case.reads("accepts a whole markdown document", """
                        ## Specific Criteria
                        - **Accuracy (60%)**: the dates must be right.
                        - **Brevity (40%)**: under 100 words.

                        ## Analysis
                        **Response 1** is correct and short.
                        **Response 2** is long and gets the year wrong.

                        ## Scores
                        **\\boxed{9, 4}**
                        """, 2, 9, 4),

                // Label variants.
                Case.reads("accepts the singular label", judged("Score: \\boxed{7}"), 1, 7),
                Case.reads("accepts a lowercase label", judged("scores: \\boxed{8, 5}"), 2, 8, 5),
                Case.reads("accepts an uppercase label", judged("SCORES: \\boxed{8, 5}"), 2, 8, 5),
                Case.reads("accepts words before the label", judged("Final Scores: \\boxed{8, 5}"), 2, 8, 5),
                Case.reads("accepts a parenthesis after the label",
                        judged("Scores (Response 1, Response 2): \\boxed{8, 5}"), 2, 8, 5),
                Case.reads("accepts a full-width colon", judged("Scores：\\boxed{8, 5}"), 2, 8, 5),
                Case.reads("accepts chinese labels", """
                        具体标准：
                        1. 准确性（60%）：日期必须正确。
                        2. 简洁性（40%）：不超过100字。

                        分析：
                        回答1：正确且简洁。
                        回答2：年份错误。

                        最终评分：\\boxed{9，4}
                        """, 2, 9, 4),
                Case.reads("accepts 'Critique' as the analysis label",
                        judged("Scores: \\boxed{8, 5}").replace("Analysis:", "Critique:"), 2, 8, 5),
                Case.reads("accepts 'Evaluation' as the analysis label",
                        judged("Scores: \\boxed{8, 5}").replace("Analysis:", "**Evaluation:**"), 2, 8, 5),

                // Separators and trailing text.
                Case.reads("accepts a full-width comma", judged("Scores: \\boxed{8，5}"), 2, 8, 5),
                Case.reads("accepts an ideographic comma", judged("Scores: \\boxed{8、5}"), 2, 8, 5),
                Case.reads("accepts semicolons", judged("Scores: \\boxed{8; 5}"), 2, 8, 5),
                Case.reads("accepts full-width commas among four", judged("Scores: \\boxed{9，6，3，7}"), 4, 9, 6, 3, 7),
                Case.reads("ignores a period after the box", judged("Scores: \\boxed{8, 5}."), 2, 8, 5),
                Case.reads("ignores text after the box",
                        judged("Scores: \\boxed{8, 5}\n\nResponse 1 wins on accuracy and brevity."), 2, 8, 5),
                Case.reads("ignores a note on the box's line",
                        judged("Scores: \\boxed{8, 5} (Response 1 is better)"), 2, 8, 5),

                // Several boxes.
                Case.reads("reads the last box after the scores label",
                        judged("Scores: \\boxed{6, 6}\n\nWait, Response 2 has a factual error.\n"
                                + "Final Scores: \\boxed{8, 5}"), 2, 8, 5),
                Case.reads("ignores a box in the analysis when one follows the label",
                        CRITERIA + "\nAnalysis:\nResponse 1 alone would earn \\boxed{9}.\nResponse 2 less.\n\n"
                                + "Scores: \\boxed{8, 5}", 2, 8, 5),
                Case.fails("fails when the only box is in the analysis",
                        CRITERIA + "\nAnalysis:\nI would give \\boxed{8, 5}.\n\nScores: 8 and 5", 2,
                        "no \\boxed{...} after the 'scores' label"),
                Case.fails("fails on a box with no scores label", judged("Final ratings: \\boxed{8, 5}"), 2,
                        "without a 'scores' label"),
                Case.fails("fails on a box under a bullet, which is not a label", judged("- Scores: \\boxed{8, 5}"), 2,
                        "without a 'scores' label"),

                // Thinking.
                Case.reads("ignores a box inside a thinking block",
                        "<think>\nMaybe Scores: \\boxed{2, 9}? No, Response 1 is right.\n</think>\n\n"
                                + judged("Scores: \\boxed{8, 5}"), 2, 8, 5),
                Case.reads("ignores a thinking block spelled out",
                        "<thinking>Scores: \\boxed{1, 1}</thinking>" + judged("Scores: \\boxed{8, 5}"), 2, 8, 5),
                Case.fails("fails when the only box is inside the thinking block",
                        "<think>Scores: \\boxed{8, 5}</think>\n" + judged("Scores: 8 and 5"), 2,
                        "no \\boxed{...} after the 'scores' label"),
                Case.reads("reads after a stray closing tag whose opening was stripped",
                        "The first response is better. \\boxed{3, 2}\n</think>\n\n" + judged("Scores: \\boxed{8, 5}"),
                        2, 8, 5),
                Case.fails("fails on an unclosed thinking block",
                        "<think>\nLet me weigh them.\nScores: \\boxed{8, 5}", 2, "unterminated <think> block"),
                Case.fails("fails on a thinking block that opens after the last one closed",
                        "<think>a</think>\n<think>\n" + judged("Scores: \\boxed{8, 5}"), 2,
                        "unterminated <think> block"),
                Case.fails("fails when nothing follows the reasoning", "<think>Scores: \\boxed{8, 5}</think>\n  ", 2,
                        "no answer after </think>"),
                Case.reads("treats a tag quoted mid-sentence as text",
                        judged("Scores: \\boxed{8, 5}").replace("a factual error.",
                                "a factual error, and leaves a stray <think> tag."), 2, 8, 5),

                // Truncation.
                Case.fails("fails on output cut inside the box", judged("Scores: \\boxed{8, "), 2, "unclosed \\boxed{"),
                Case.fails("fails on output cut right after the command", judged("Scores: \\boxed"), 2,
                        "unclosed \\boxed{"),
                Case.fails("fails on output cut before the box", judged("Scores: "), 2,
                        "no \\boxed{...} after the 'scores' label"),
                Case.fails("fails on output cut inside the analysis", CRITERIA + "\nAnalysis:\nResponse 1: It sta", 2,
                        "no 'scores' label and no \\boxed{...}"),

                // Empty output.
                Case.fails("fails on an empty string", "", 2, "empty output"),
                Case.fails("fails on whitespace only", " \n\t\n ", 2, "empty output"),
                Case.fails("fails on null", null, 2, "empty output"),

                // Echoed prompt.
                Case.reads("reads the real box after an echoed placeholder",
                        "Scores:\n\\boxed{s1, s2}\nwhere s1 is the score of response 1.\n\n"
                                + judged("Scores: \\boxed{8, 5}"), 2, 8, 5),
                Case.fails("fails when the echoed placeholder is the only box",
                        judged("Scores:\n\\boxed{s1, s2}\nwhere s1 is the score of response 1"), 2,
                        "score 's1' is not an integer"),
                Case.fails("fails on the single-response placeholder", judged("Scores: \\boxed{s}"), 1,
                        "score 's' is not an integer"),

                // Wrong count.
                Case.fails("fails on too few scores", judged("Scores: \\boxed{8}"), 2, "expected 2 scores, found 1"),
                Case.fails("fails on too many scores", judged("Scores: \\boxed{8, 5, 7}"), 2,
                        "expected 2 scores, found 3"),
                Case.fails("fails on a pair when one was expected", judged("Scores: \\boxed{8, 5}"), 1,
                        "expected 1 score, found 2"),
                Case.fails("fails on space-separated scores", judged("Scores: \\boxed{8 5}"), 2,
                        "expected 2 scores, found 1"),

                // Out of range.
                Case.fails("fails on zero", judged("Scores: \\boxed{0, 5}"), 2, "score 0 outside 1..10"),
                Case.fails("fails on eleven", judged("Scores: \\boxed{8, 11}"), 2, "score 11 outside 1..10"),
                Case.fails("fails on a negative score", judged("Scores: \\boxed{-1, 5}"), 2, "score -1 outside 1..10"),
                Case.fails("fails on a huge score", judged("Scores: \\boxed{99999999999, 5}"), 2,
                        "score 99999999999 outside 1..10"),

                // Not integers.
                Case.fails("fails on a decimal", judged("Scores: \\boxed{7.5, 5}"), 2, "score '7.5' is not an integer"),
                Case.fails("fails on a fraction", judged("Scores: \\boxed{8/10, 5/10}"), 2,
                        "score '8/10' is not an integer"),
                Case.fails("fails on a word", judged("Scores: \\boxed{seven, 5}"), 2,
                        "score 'seven' is not an integer"),
                Case.fails("fails on a named score",
                        judged("Scores: \\boxed{Response 1: 8, Response 2: 5}"), 2,
                        "score 'response 1: 8' is not an integer"),
                Case.fails("fails on emphasis inside a score rather than around it", judged("Scores: \\boxed{1**0}"), 1,
                        "score '1**0' is not an integer"),
                Case.fails("fails on latex inside the box", judged("Scores: \\boxed{\\text{8}, 5}"), 2,
                        "score '\\text{8}' is not an integer"),
                Case.fails("fails on an empty item", judged("Scores: \\boxed{8,,5}"), 2,
                        "empty score in \\boxed{8,,5}"),
                Case.fails("fails on a trailing comma", judged("Scores: \\boxed{8, 5,}"), 2, "empty score"),
                Case.fails("fails on an empty box", judged("Scores: \\boxed{}"), 2, "empty \\boxed{}"),

                // Other verdict formats.
                Case.fails("fails on prose scores",
                        CRITERIA + "\n" + ANALYSIS + "\nResponse 1 gets 8/10 and Response 2 gets 5/10.", 2,
                        "no 'scores' label and no \\boxed{...}"),
                Case.fails("fails on prose after the label",
                        judged("Scores: Response 1 deserves 8 out of 10 and Response 2 deserves 5 out of 10."), 2,
                        "no \\boxed{...} after the 'scores' label"),
                Case.fails("fails on a json verdict", "{\"scores\": [8, 5], \"reason\": \"Response 1 is right\"}", 2,
                        "no 'scores' label and no \\boxed{...}"),
                Case.fails("fails on a pairwise verdict", judged("[[A>B]]"), 2,
                        "no 'scores' label and no \\boxed{...}"),
                Case.fails("fails on bracketed scores after the label", judged("Scores: [[8, 5]]"), 2,
                        "no \\boxed{...} after the 'scores' label"),

                // Sections.
                Case.fails("fails without an analysis section", CRITERIA + "\nScores: \\boxed{8, 5}", 2,
                        "no 'analysis' section"),
                Case.fails("fails on a blank analysis", CRITERIA + "\nAnalysis:\n\n   \nScores: \\boxed{8, 5}", 2,
                        "empty 'analysis' section"),
                Case.fails("fails without principles when they are required",
                        ANALYSIS + "\nScores: \\boxed{8, 5}", 2, "no principles under 'specific criteria'"),
                Case.reads("keeps reading after a lone surrogate",
                        judged("Scores: \\boxed{8, 5}").replace("reads well", "reads \ud800well"), 2, 8, 5));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void should_read_each_output_as_the_table_says(Case row) {
        // when
        ParseResult result = PARSER.parse(row.output(), row.responses(), true);

        // then
        row.assertMatches(result);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void should_give_short_lowercase_reasons(Case row) {
        // when
        ParseResult result = PARSER.parse(row.output(), row.responses(), true);

        // then
        if (result instanceof ParseResult.Failed failed) {
            assertThat(failed.reason()).hasSizeLessThan(120);
            assertThat(Character.isUpperCase(failed.reason().charAt(0))).as(failed.reason()).isFalse();
        }
    }

    /** One row of the principles table: a criteria section and the weights it must yield, or a failure. */
    record PrincipleCase(String spec, String criteria, boolean required, double[] weights, String failure) {

        static PrincipleCase weighs(String spec, String criteria, double... weights) {
            return new PrincipleCase(spec, criteria, true, weights, null);
        }

        static PrincipleCase fails(String spec, String criteria, boolean required, String failure) {
            return new PrincipleCase(spec, criteria, required, null, failure);
        }

        @Override
        public String toString() {
            return spec;
        }
    }

    static Stream<PrincipleCase> principles() {
        double third = 1.0 / 3;
        return Stream.of(
                PrincipleCase.weighs("reads percentages",
                        "Specific Criteria:\n1. Accuracy (40%): right.\n2. Brevity (35%): short.\n"
                                + "3. Tone (25%): kind.\n",
                        0.40, 0.35, 0.25),
                PrincipleCase.weighs("reads decimals in brackets",
                        "Specific Criteria:\n1. Accuracy (0.5): right.\n2. Brevity (0.3): short.\n"
                                + "3. Tone (0.2): kind.\n",
                        0.5, 0.3, 0.2),
                PrincipleCase.weighs("reads weight annotations",
                        "Specific Criteria:\n- Accuracy [weight: 0.5]\n- Brevity (weight 0.3)\n- Tone, weight = 0.2\n",
                        0.5, 0.3, 0.2),
                PrincipleCase.weighs("reads fractions",
                        "Specific Criteria:\n1) Accuracy (1/2)\n2) Brevity (1/4)\n3) Tone (1/4)\n", 0.5, 0.25, 0.25),
                PrincipleCase.weighs("normalizes relative weights",
                        "Specific Criteria:\n* Accuracy, weight: 2\n* Brevity, weight: 1\n* Tone, weight: 1\n",
                        0.5, 0.25, 0.25),
                PrincipleCase.weighs("normalizes percentages that do not sum to 100",
                        "Specific Criteria:\n1. Accuracy (50%)\n2. Brevity (50%)\n3. Tone (50%)\n",
                        third, third, third),
                PrincipleCase.weighs("weighs unweighted principles equally",
                        "Specific Criteria:\n1. Accuracy: right.\n2. Brevity: short.\n3. Tone: kind.\n",
                        third, third, third),
                PrincipleCase.weighs("gives unweighted principles the mean of the given weights",
                        "Specific Criteria:\n1. Accuracy (50%)\n2. Brevity\n3. Tone (30%)\n",
                        0.5 / 1.2, 0.4 / 1.2, 0.3 / 1.2),
                PrincipleCase.weighs("reads weights inside bold names",
                        "**Specific Criteria:**\n- **Accuracy (70%)**: right.\n- **Brevity (30%)**: short.\n",
                        0.7, 0.3),
                PrincipleCase.weighs("reads each line as a principle when there are no bullets",
                        "Criteria:\nAccuracy (60%): right.\nBrevity (40%): short.\n", 0.6, 0.4),
                PrincipleCase.weighs("accepts bullet dots",
                        "Principles:\n• Accuracy (60%)\n• Brevity (40%)\n", 0.6, 0.4),
                PrincipleCase.weighs("accepts a heading label",
                        "### Specific Criteria\n1. Accuracy (60%)\n2. Brevity (40%)\n", 0.6, 0.4),
                PrincipleCase.weighs("joins continuation lines and nested bullets to their principle",
                        "Specific Criteria:\n1. Accuracy (60%):\n   - dates right\n   - names right\n"
                                + "2. Brevity (40%):\nunder 100 words.\n", 0.6, 0.4),
                PrincipleCase.weighs("ignores a preamble and trailing commentary",
                        "Specific Criteria:\nFor this query I weigh two things.\n1. Accuracy (60%)\n2. Brevity (40%)\n"
                                + "\nThese add up to 100%.\n", 0.6, 0.4),
                PrincipleCase.weighs("keeps a principle named like a section",
                        "Specific Criteria:\n1. Analysis: the data must be analysed (60%).\n2. Brevity (40%)\n",
                        0.6, 0.4),
                PrincipleCase.weighs("uses the criteria stated after an echoed format",
                        "Specific Criteria:\n<your criteria>\n"
                                + "Specific Criteria:\n1. Accuracy (60%)\n2. Brevity (40%)\n",
                        0.6, 0.4),
                PrincipleCase.fails("fails on weights that sum to 0",
                        "Specific Criteria:\n1. Accuracy (0%)\n2. Brevity (0%)\n", true, "principle weights sum to 0"),
                PrincipleCase.fails("fails on a missing criteria section when principles are required",
                        "", true, "no principles under 'Specific Criteria'"),
                PrincipleCase.fails("fails on an empty criteria section when principles are required",
                        "Specific Criteria:\n\n", true, "no principles under 'Specific Criteria'"),
                new PrincipleCase("accepts a missing criteria section when principles are supplied",
                        "", false, new double[0], null),
                new PrincipleCase("reads principles even when they are supplied",
                        "Criteria:\n- Accuracy (60%)\n- Brevity (40%)\n", false, new double[] {0.6, 0.4}, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("principles")
    void should_weigh_principles_as_the_table_says(PrincipleCase row) {
        // given
        String output = row.criteria() + "\n" + ANALYSIS + "\nScores: \\boxed{8, 5}";

        // when
        ParseResult result = PARSER.parse(output, 2, row.required());

        // then
        if (row.weights() != null) {
            assertThat(result).isInstanceOfSatisfying(ParseResult.Parsed.class, parsed -> {
                double[] weights = parsed.principles().stream().mapToDouble(Principle::weight).toArray();
                assertThat(weights).containsExactly(row.weights(), within(1e-9));
            });
        } else {
            assertThat(result).isInstanceOfSatisfying(ParseResult.Failed.class,
                    failed -> assertThat(failed.reason()).isEqualToIgnoringCase(row.failure()));
        }
    }

    @Test
    void should_keep_principle_text_as_written_minus_the_bullet() {
        // given
        String output = judged("Scores: \\boxed{8, 5}");

        // when
        ParseResult result = PARSER.parse(output, 2, true);

        // then
        assertThat(result).isInstanceOfSatisfying(ParseResult.Parsed.class, parsed -> assertThat(parsed.principles())
                .extracting(Principle::text)
                .containsExactly(
                        "Instruction adherence (40%): The response must answer in under 100 words, as asked.",
                        "Accuracy (35%): Dates and figures must be correct.",
                        "Clarity (25%): The answer should be easy to follow."));
    }

    @Test
    void should_join_continuation_lines_with_a_space() {
        // given
        String output = "Specific Criteria:\n1. Accuracy (60%):\n   dates right\n2. Brevity (40%)\n\n"
                + ANALYSIS + "\nScores: \\boxed{8, 5}";

        // when
        ParseResult result = PARSER.parse(output, 2, true);

        // then
        assertThat(result).isInstanceOfSatisfying(ParseResult.Parsed.class, parsed -> assertThat(parsed.principles())
                .extracting(Principle::text)
                .containsExactly("Accuracy (60%): dates right", "Brevity (40%)"));
    }

    @Test
    void should_take_the_critique_from_the_analysis_label_to_the_scores_label() {
        // given
        String output = judged("### Final Scores\n\\boxed{8, 5}");

        // when
        ParseResult result = PARSER.parse(output, 2, true);

        // then
        assertThat(result).isInstanceOfSatisfying(ParseResult.Parsed.class, parsed -> assertThat(parsed.critique())
                .isEqualTo("Response 1: It stays within the word limit, gives the right year (1969) and reads well.\n"
                        + "Response 2: It runs to 180 words and places the landing in 1970, a factual error."));
    }

    @Test
    void should_keep_sub_headings_of_the_analysis_inside_the_critique() {
        // given
        String output = CRITERIA + "\nAnalysis:\nResponse 1:\nEvaluation: correct.\nResponse 2:\nEvaluation: wrong.\n"
                + "\nScores: \\boxed{8, 5}";

        // when
        ParseResult result = PARSER.parse(output, 2, true);

        // then
        assertThat(result).isInstanceOfSatisfying(ParseResult.Parsed.class, parsed -> assertThat(parsed.critique())
                .isEqualTo("Response 1:\nEvaluation: correct.\nResponse 2:\nEvaluation: wrong."));
    }

    @Test
    void should_check_scores_against_the_parser_range() {
        // given
        GrmOutputParser percent = GrmOutputParser.of(ScoreRange.of(0, 100));

        // when
        ParseResult inRange = percent.parse(judged("Scores: \\boxed{0, 85}"), 2, true);
        ParseResult outOfRange = percent.parse(judged("Scores: \\boxed{101, 85}"), 2, true);

        // then
        assertThat(inRange).isInstanceOfSatisfying(ParseResult.Parsed.class,
                parsed -> assertThat(parsed.scores()).containsExactly(0, 85));
        assertThat(outOfRange).isEqualTo(new ParseResult.Failed("score 101 outside 0..100"));
    }

    @Test
    void should_reject_a_caller_who_expects_no_scores() {
        assertThatThrownBy(() -> PARSER.parse(judged("Scores: \\boxed{8}"), 0, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expectedScores must be >= 1, was 0");
    }

    @Test
    void should_cut_a_huge_bad_value_in_the_reason() {
        // given
        String output = judged("Scores: \\boxed{" + "x".repeat(1_000_000) + ", 5}");

        // when
        ParseResult result = PARSER.parse(output, 2, true);

        // then
        assertThat(result).isInstanceOfSatisfying(ParseResult.Failed.class, failed -> {
            assertThat(failed.reason()).startsWith("score 'xxxx").endsWith("…' is not an integer");
            assertThat(failed.reason()).hasSizeLessThan(80);
        });
    }

    // A guard against a hang, not a performance assertion: each of these parses takes milliseconds.
    @Test
    @Timeout(30)
    void should_finish_on_five_megabytes_of_garbage() {
        // given
        SplittableRandom random = new SplittableRandom(7);
        String[] pieces = {"\\boxed{", "}", "{", "Scores:", "\n", "<think>", "</think>", "Analysis:", "8, ",
                " ", "**", "(40%)", "1. ", "\\", "weight: ", "\ud800", "#"};
        StringBuilder garbage = new StringBuilder(5_000_100);
        while (garbage.length() < 5_000_000) {
            if (random.nextInt(4) == 0) {
                garbage.append(pieces[random.nextInt(pieces.length)]);
            } else {
                garbage.append((char) random.nextInt(0x20, 0x3000));
            }
        }

        // when
        ParseResult result = PARSER.parse(garbage.toString(), 2, true);

        // then
        assertThat(result).isInstanceOf(ParseResult.Failed.class);
    }

    @Test
    @Timeout(30)
    void should_finish_on_a_five_megabyte_analysis_with_a_valid_box_at_the_end() {
        // given
        String analysis = "Response 1 is accurate (1969), Response 2 is not {sic}. Score: maybe 7.\n".repeat(70_000);
        String output = CRITERIA + "\nAnalysis:\n" + analysis + "\nScores: \\boxed{8, 5}";

        // when
        ParseResult result = PARSER.parse(output, 2, true);

        // then
        assertThat(output.length()).isGreaterThan(5_000_000);
        assertThat(result).isInstanceOfSatisfying(ParseResult.Parsed.class,
                parsed -> assertThat(parsed.scores()).containsExactly(8, 5));
    }

    @Test
    @Timeout(30)
    void should_finish_on_five_megabyte_pathological_runs() {
        // given
        List<String> outputs = List.of(
                judged("Scores: \\boxed{" + "{".repeat(5_000_000)),
                judged("Scores: \\boxed{" + "1,".repeat(2_500_000) + "1}"),
                judged("Scores: " + "\\boxed{8, 5} ".repeat(400_000)),
                judged("Scores: \\boxed{8, 5}\n" + "Scores:".repeat(700_000)),
                "Specific Criteria:\n" + "1".repeat(5_000_000) + "%\n" + ANALYSIS + "Scores: \\boxed{8, 5}",
                "Specific Criteria:\n- (" + " ".repeat(5_000_000) + "\n" + ANALYSIS + "Scores: \\boxed{8, 5}",
                "</think>".repeat(600_000) + judged("Scores: \\boxed{8, 5}"),
                " \n".repeat(2_500_000) + "<think>",
                "#".repeat(5_000_000),
                "**".repeat(2_500_000) + "Scores:");

        for (String output : outputs) {
            // when
            ParseResult result = PARSER.parse(output, 2, true);

            // then
            assertThat(result).isNotNull();
            if (result instanceof ParseResult.Failed failed) {
                assertThat(failed.reason()).doesNotStartWith("internal").hasSizeLessThan(120);
            }
        }
    }

    @Test
    void should_not_share_state_between_calls() {
        // given
        String[] outputs = {
            judged("Scores: \\boxed{8, 5}"), judged("Scores: \\boxed{8}"), judged("Scores: \\boxed{3, 9}"),
        };

        // when
        List<ParseResult> results = Arrays.stream(outputs).map(output -> PARSER.parse(output, 2, true)).toList();

        // then
        assertThat(results.get(0)).isInstanceOf(ParseResult.Parsed.class);
        assertThat(results.get(1)).isInstanceOf(ParseResult.Failed.class);
        assertThat(results.get(2)).isInstanceOfSatisfying(ParseResult.Parsed.class,
                parsed -> assertThat(parsed.scores()).containsExactly(3, 9));
    }
}
