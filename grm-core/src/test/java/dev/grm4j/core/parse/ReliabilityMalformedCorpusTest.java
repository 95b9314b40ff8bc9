package dev.grm4j.core.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.ScoreRange;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7, suite 1: a data-driven corpus of model outputs in the forms real judges produce. Every
 * output yields exactly its expected scores or a typed failure whose reason contains the expected
 * fragment; no exception escapes; no parsed score is invented (each appears in the last box).
 *
 * <p>The corpus is {@code reliability/malformed-outputs.jsonl}: one object a line with {@code id},
 * {@code category}, {@code n}, {@code output} (null allowed) and {@code expect}, either
 * {@code {"scores": [...]}} or {@code {"fail": "reason fragment"}}. Gigantic outputs are built here.
 */
class ReliabilityMalformedCorpusTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final GrmOutputParser PARSER = GrmOutputParser.of(ScoreRange.DEFAULT);

    record Case(String id, String category, int n, String output, boolean requirePrinciples,
                List<Integer> scores, String failFragment) {
    }

    @Test
    void every_output_yields_its_expected_scores_or_a_typed_failure_and_nothing_is_invented() throws IOException {
        List<Case> cases = new ArrayList<>(corpus());
        cases.addAll(gigantic());
        assertThat(corpus()).hasSizeGreaterThanOrEqualTo(200);

        Map<String, int[]> byCategory = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (Case c : cases) {
            int[] counts = byCategory.computeIfAbsent(c.category(), k -> new int[3]);
            ParseResult result;
            long start = System.nanoTime();
            try {
                result = PARSER.parse(c.output(), c.n(), c.requirePrinciples());
            } catch (Throwable escaped) {
                problems.add(c.id() + ": exception escaped: " + escaped);
                counts[2]++;
                continue;
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (millis > 5_000) {
                problems.add(c.id() + ": took " + millis + " ms");
            }
            if (result instanceof ParseResult.Parsed parsed) {
                counts[0]++;
                List<Integer> inBox = lastBoxIntegers(c.output());
                if (!parsed.scores().equals(inBox)) {
                    problems.add(c.id() + ": invented scores " + parsed.scores() + ", last box holds " + inBox);
                }
                if (c.scores() == null) {
                    problems.add(c.id() + ": expected failure '" + c.failFragment() + "', parsed " + parsed.scores());
                } else if (!parsed.scores().equals(c.scores())) {
                    problems.add(c.id() + ": expected " + c.scores() + ", parsed " + parsed.scores());
                }
                if (parsed.critique().isBlank()) {
                    problems.add(c.id() + ": blank critique");
                }
            } else {
                counts[1]++;
                String reason = ((ParseResult.Failed) result).reason();
                if (reason.isBlank() || reason.startsWith("internal parser error")) {
                    problems.add(c.id() + ": untyped failure '" + reason + "'");
                }
                if (c.scores() != null) {
                    problems.add(c.id() + ": expected " + c.scores() + ", failed '" + reason + "'");
                } else if (!reason.contains(c.failFragment())) {
                    problems.add(c.id() + ": expected reason with '" + c.failFragment() + "', was '" + reason + "'");
                }
            }
        }

        System.out.printf("reliability corpus: %d outputs (%d from file, %d gigantic)%n", cases.size(),
                cases.size() - gigantic().size(), gigantic().size());
        System.out.printf("  %-16s %6s %6s %6s%n", "category", "parsed", "failed", "thrown");
        byCategory.forEach((category, counts) ->
                System.out.printf("  %-16s %6d %6d %6d%n", category, counts[0], counts[1], counts[2]));
        assertThat(problems).as("corpus mismatches").isEmpty();
    }

    /** The integers of the last {@code \boxed{...}} as written, for the invented-score check. */
    private static List<Integer> lastBoxIntegers(String text) {
        int at = text.length();
        int brace;
        while (true) {
            at = text.lastIndexOf("\\boxed", at - 1);
            if (at < 0) {
                return List.of();
            }
            brace = at + "\\boxed".length();
            while (brace < text.length() && Character.isWhitespace(text.charAt(brace))) {
                brace++;
            }
            if (brace < text.length() && text.charAt(brace) == '{') {
                break;
            }
        }
        int depth = 0;
        int end = brace;
        for (; end < text.length(); end++) {
            char ch = text.charAt(end);
            if (ch == '{') {
                depth++;
            } else if (ch == '}' && --depth == 0) {
                break;
            }
        }
        String content = text.substring(brace + 1, Math.min(end, text.length()));
        List<Integer> values = new ArrayList<>();
        for (String item : content.split("[,，、;；]")) {
            String digits = item.replaceAll("[\\s*_`$+\\u00a0]", "");
            try {
                values.add(Integer.parseInt(digits));
            } catch (NumberFormatException e) {
                return List.of();
            }
        }
        return values;
    }

    private static List<Case> corpus() throws IOException {
        List<Case> cases = new ArrayList<>();
        try (InputStream in = ReliabilityMalformedCorpusTest.class.getResourceAsStream("/reliability/malformed-outputs.jsonl");
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = JSON.readTree(line);
                JsonNode expect = node.get("expect");
                List<Integer> scores = null;
                if (expect.has("scores")) {
                    scores = new ArrayList<>();
                    for (JsonNode score : expect.get("scores")) {
                        scores.add(score.asInt());
                    }
                }
                cases.add(new Case(node.get("id").asText(), node.get("category").asText(), node.get("n").asInt(),
                        node.get("output").isNull() ? null : node.get("output").asText(),
                        node.path("requirePrinciples").asBoolean(false),
                        scores, expect.has("fail") ? expect.get("fail").asText() : null));
            }
        }
        return cases;
    }

    /** Multi-megabyte outputs, built rather than stored. */
    private static List<Case> gigantic() {
        String analysis = "Analysis:\n" + "Response 1 is careful and correct. ".repeat(120_000) + "\n";
        return List.of(
                new Case("gigantic-001", "gigantic", 2, analysis + "Scores: \\boxed{8, 5}", false, List.of(8, 5), null),
                new Case("gigantic-002", "gigantic", 2, "Analysis:\nok\nScores: \\boxed{" + "1,".repeat(1_000_000) + "1}",
                        false, null, "expected 2 scores, found 1000001"),
                new Case("gigantic-003", "gigantic", 2, "x".repeat(3_000_000), false, null, "\\boxed{...}"),
                new Case("gigantic-004", "gigantic", 2, "Analysis:\nok\nScores: " + "\\boxed{".repeat(200_000), false, null,
                        "unclosed \\boxed{"),
                new Case("gigantic-005", "gigantic", 2, "<think>".repeat(300_000), false, null, "unterminated <think>"),
                new Case("gigantic-006", "gigantic", 2, "Analysis:\nok\n" + "Scores:\n".repeat(200_000), false, null,
                        "no \\boxed{...} after the 'Scores' label"),
                new Case("gigantic-007", "gigantic", 2, "Analysis:\nok\nScores: \\boxed{8, " + "9".repeat(2_000_000) + "}",
                        false, null, "is not an integer"),
                new Case("gigantic-008", "gigantic", 2, "<think>" + "\\boxed{1, 1} ".repeat(200_000) + "</think>\n"
                        + analysis + "Scores: \\boxed{3, 7}", false, List.of(3, 7), null));
    }
}
