package dev.grm4j.core.parse;

import dev.grm4j.core.ScoreRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Mutates well-formed outputs at random and checks what must hold for every input: the parser returns
 * a result, and a parsed result holds exactly the scores of the last box in the text, no invented ones.
 */
class GrmOutputParserFuzzTest {

    private static final int RUNS = 20_000;
    private static final long SEED = 0x6_72_6D_34_6AL;
    private static final ScoreRange RANGE = ScoreRange.DEFAULT;
    private static final GrmOutputParser PARSER = GrmOutputParser.of(RANGE);

    /** Fragments that matter to the parser, so that mutations hit its edges more often than noise would. */
    private static final String[] TOKENS = {
        "\\boxed{", "\\boxed", "}", "{", ",", "，", "、", ";", " ", "\n", "\r\n", "**", "__", "$", "#", "- ", "1. ",
        "Scores:", "Score:", "### Scores\n", "Final Scores：", "Analysis:", "Critique:", "Specific Criteria:",
        "Principles:", "<think>", "</think>", "\n<think>\n", "<thinking>", "</thinking>", "(40%)", "(0.5)",
        "(1/3)", "[weight: 0]", "(0%)", "0", "1", "5", "8", "10", "11", "-1", "+7", "7.5", "s1", "\\text{8}",
        "\ud800", "\udc00", "\ud83d\ude00", "\u0000", "\u00a0", "\u3000", "\u202e",
    };

    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");

    @Test
    void should_never_throw_nor_invent_scores_on_mutated_outputs() {
        // given
        SplittableRandom random = new SplittableRandom(SEED);
        int parsed = 0;

        for (int run = 0; run < RUNS; run++) {
            int responses = 1 + random.nextInt(4);
            String output = mutate(wellFormed(responses, random), random);

            // when
            ParseResult result;
            try {
                result = PARSER.parse(output, responses, random.nextBoolean());
            } catch (RuntimeException e) {
                throw new AssertionError("run " + run + " threw on: " + output, e);
            }

            // then: plain checks first, AssertJ only to describe a failure, so 20,000 runs stay fast
            if (result instanceof ParseResult.Failed failed) {
                String reason = failed.reason();
                if (reason.isBlank() || reason.startsWith("internal") || reason.length() >= 160) {
                    fail("run " + run + " gave reason '" + reason + "' on: " + output);
                }
            } else if (result instanceof ParseResult.Parsed ok) {
                parsed++;
                List<Integer> boxed = integersInLastBox(output);
                if (ok.scores().size() != responses || !ok.scores().stream().allMatch(RANGE::contains)
                        || !ok.scores().equals(boxed) || ok.critique().isBlank()) {
                    assertThat(ok.scores()).as("run %d on: %s", run, output)
                            .hasSize(responses)
                            .allMatch(RANGE::contains)
                            .containsExactlyElementsOf(boxed);
                    assertThat(ok.critique()).as("run %d on: %s", run, output).isNotBlank();
                }
            } else {
                fail("run " + run + " returned " + result + " on: " + output);
            }
        }

        // Mutations that break everything would make the checks on parsed results vacuous.
        assertThat(parsed).isBetween(RUNS / 10, RUNS - RUNS / 10);
    }

    /** An output in one of the shapes real judges write, with random scores. */
    private static String wellFormed(int responses, SplittableRandom random) {
        StringBuilder out = new StringBuilder();
        if (random.nextInt(4) == 0) {
            out.append("<think>\nLet me compare. Maybe \\boxed{3} for the first.\n</think>\n\n");
        }
        out.append(random.nextBoolean() ? "Specific Criteria:\n" : "## Specific Criteria\n");
        out.append("1. Instruction adherence (40%): The response must do what the query asks.\n");
        out.append("2. Accuracy (35%): Facts and numbers must be correct.\n");
        out.append("3. Clarity (25%): The response should be well organized.\n\n");
        out.append(random.nextBoolean() ? "Analysis:\n" : "**Analysis:**\n");
        List<Integer> scores = new ArrayList<>();
        for (int i = 1; i <= responses; i++) {
            int score = RANGE.min() + random.nextInt(RANGE.levels());
            scores.add(score);
            out.append("Response ").append(i).append(": It answers the query; I would put it near ")
                    .append(score).append(".\n");
        }
        out.append('\n');
        String joined = String.join(random.nextBoolean() ? ", " : "，",
                scores.stream().map(String::valueOf).toList());
        switch (random.nextInt(4)) {
            case 0 -> out.append("Scores: \\boxed{").append(joined).append('}');
            case 1 -> out.append("**Scores:** **\\boxed{").append(joined).append("}**");
            case 2 -> out.append("### Final Scores\n$\\boxed{").append(joined).append("}$\n");
            default -> out.append("Scores：\n\\boxed{ ").append(joined).append(" }\nThat is my verdict.");
        }
        return out.toString();
    }

    /** One to four random edits: delete, insert, duplicate, or cut. */
    private static String mutate(String text, SplittableRandom random) {
        StringBuilder out = new StringBuilder(text);
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && out.length() > 0; e++) {
            int at = random.nextInt(out.length() + 1);
            switch (random.nextInt(5)) {
                case 0 -> out.delete(at, Math.min(out.length(), at + 1 + random.nextInt(20)));
                case 1 -> out.insert(at, TOKENS[random.nextInt(TOKENS.length)]);
                case 2 -> out.insert(at, randomChars(random));
                case 3 -> {
                    int end = Math.min(out.length(), at + 1 + random.nextInt(60));
                    out.insert(random.nextInt(out.length() + 1), out.substring(at, end));
                }
                default -> out.setLength(at);
            }
        }
        return out.toString();
    }

    /** Any UTF-16 units, lone surrogates included. */
    private static String randomChars(SplittableRandom random) {
        char[] chars = new char[1 + random.nextInt(6)];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = (char) random.nextInt(Character.MAX_VALUE + 1);
        }
        return new String(chars);
    }

    /**
     * The integers written inside the last {@code \boxed{...}} of the raw text, found independently of
     * the parser: a parsed box holds no brace, so it ends at the first closing brace.
     */
    private static List<Integer> integersInLastBox(String text) {
        int at = text.lastIndexOf("\\boxed");
        while (at >= 0) {
            int brace = at + "\\boxed".length();
            while (brace < text.length() && isSpace(text.charAt(brace))) {
                brace++;
            }
            if (brace < text.length() && text.charAt(brace) == '{') {
                int close = text.indexOf('}', brace);
                if (close < 0) {
                    fail("parsed an unclosed box in: " + text);
                }
                List<Integer> integers = new ArrayList<>();
                Matcher matcher = INTEGER.matcher(text.substring(brace + 1, close));
                while (matcher.find()) {
                    integers.add(Integer.parseInt(matcher.group()));
                }
                return integers;
            }
            at = at == 0 ? -1 : text.lastIndexOf("\\boxed", at - 1);
        }
        return fail("parsed scores with no box in: " + text);
    }

    private static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }
}
