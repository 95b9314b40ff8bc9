package dev.grm4j.core.parse;

import dev.grm4j.core.Principle;
import dev.grm4j.core.ScoreRange;

import java.util.List;
import java.util.Objects;

/**
 * Reads a GRM output in the paper's layout. Thread-safe and stateless.
 *
 * <p>The judge is asked to write:
 * <pre>
 * Specific Criteria:
 * 1. Instruction adherence (40%): The response must follow ...
 * 2. Accuracy (35%): ...
 *
 * Analysis:
 * Response 1: ...
 * Response 2: ...
 *
 * Scores: \boxed{8, 5}
 * </pre>
 * The parser reads the model's output and nothing else; it never borrows from the prompt. What it
 * accepts:
 * <ul>
 *   <li><b>Thinking.</b> A {@code <think>} or {@code <thinking>} block (case-insensitive) that opens
 *       the output is reasoning and is ignored up to its balancing closing tag; a box inside it never
 *       counts. A closing tag whose opener the server stripped ends the reasoning only when no section
 *       label comes before it. A block that opens and never closes is a failure ("unterminated
 *       &lt;think&gt; block"). Tags met later are text: an analysis that quotes a candidate's
 *       {@code </think>} stays whole.</li>
 *   <li><b>Labels</b> start a line and end with {@code :} or full-width {@code ：}, or stand alone on their
 *       line as a heading. Heading marks ({@code ###}, optionally with a section number such as
 *       {@code ## 3.}), a quote mark and markdown emphasis around or inside the label are allowed:
 *       {@code **Scores:**}, {@code __Scores__:}, {@code ### Final Scores}, and so is a parenthesis
 *       before the colon ({@code Scores (Response 1, Response 2):}). A bulleted or numbered list
 *       item is never a label, so a principle named "Analysis" stays a principle. Label words, ignoring
 *       case:
 *       <ul>
 *         <li>scores: {@code Score} or {@code Scores}, after at most three other words ({@code Final Scores:});
 *             {@code 评分}, {@code 分数}, {@code 得分}, {@code 打分} ({@code 最终评分：});</li>
 *         <li>criteria: any label of up to three words containing {@code Criteria}, {@code Criterion},
 *             {@code Principles} or {@code Principle} ({@code Specific Criteria:}, {@code Criteria for
 *             Evaluation:}); {@code 标准}, {@code 准则}, {@code 原则};</li>
 *         <li>analysis: {@code Analysis}, {@code Critique} or {@code Evaluation}, after at most two other
 *             words ({@code Detailed Analysis:}); {@code 分析}, {@code 评析}, {@code 点评}.</li>
 *       </ul></li>
 *   <li><b>Scores</b> are read from the last {@code \boxed{...}} of the answer, which must come after a
 *       scores label (anywhere after it: on the label's line or below). A box with no scores label before
 *       it is a failure, and so is a box that appears only before the label. Spaces around
 *       {@code \boxed}, its braces and its items, markdown emphasis ({@code **\boxed{8, 5}**},
 *       {@code \boxed{**8**, 5}}), math dollars ({@code $\boxed{8, 5}$}) and text after the box are
 *       tolerated. Items are separated by {@code ,}, {@code ，}, {@code 、}, {@code ;} or {@code ；}; each
 *       is an optional sign and ASCII digits. A decimal, a fraction, a word or an empty item fails the
 *       output, as does a count other than {@code expectedScores} or a score outside the range.</li>
 *   <li><b>Nested braces</b> are matched when finding the end of a box, so {@code \boxed{\text{8}, 5}} is
 *       one box; its item {@code \text{8}} is not an integer, so the output fails. LaTeX inside a box is
 *       never interpreted. A {@code \boxed} that starts inside an unclosed box abandons the outer one; an
 *       unclosed last box is a failure ("unclosed \boxed{").</li>
 *   <li><b>Critique</b>: the text from the analysis label to the line of the scores label, trimmed; it
 *       must not be blank. The scores label used is the last one before the box; the analysis label
 *       used is the first one after the criteria label (or the first in the answer when there is no
 *       criteria section), so that sub-headings such as "Evaluation:" stay inside the critique.</li>
 *   <li><b>Principles</b>: the lines between the criteria label and the analysis label; when the
 *       criteria label appears more than once (an echoed format), the last one before the analysis
 *       counts. A bullet
 *       ({@code 1.}, {@code 1)}, {@code -}, {@code *}, {@code •}) starts a principle and the lines under it
 *       continue it; without bullets each non-blank line is a principle. The text is kept as written,
 *       minus the bullet. A weight is read from the principle's text: {@code 40%}, {@code (0.4)},
 *       {@code [weight: 0.3]}, {@code weight = 0.3}, {@code (1/3)}. With no weights all principles weigh
 *       the same; with some, the others get the mean of the given ones. Weights are normalized to sum
 *       to 1; given weights that sum to 0 fail the output.</li>
 * </ul>
 * Failure reasons are lowercase, name the rule and show the offending value cut to 40 characters,
 * e.g. "expected 2 scores, found 3 in \boxed{8, 5, 7}", "score 11 outside 1..10",
 * "score '7.5' is not an integer". Parsing is linear in the length of the output.
 */
public final class GrmOutputParser {

    private static final String NO_PRINCIPLES = "no principles under 'Specific Criteria'";

    private final ScoreRange range;

    private GrmOutputParser(ScoreRange range) {
        this.range = Objects.requireNonNull(range, "range");
    }

    /**
     * A parser that accepts scores within {@code range}.
     *
     * @param range the inclusive range every score must fall in
     * @return a parser, safe to share between threads
     * @throws NullPointerException if {@code range} is null
     */
    public static GrmOutputParser of(ScoreRange range) {
        return new GrmOutputParser(range);
    }

    /**
     * Parses one model output.
     *
     * @param output            the model's text, exactly as returned (may be null or empty: a failure)
     * @param expectedScores    N, the number of responses the judge was shown
     * @param requirePrinciples whether a missing or empty "Specific Criteria" section is a failure;
     *                          false when the caller supplied the principles
     * @return the parsed output, or a failure that says why; never throws for any {@code output}
     * @throws IllegalArgumentException if {@code expectedScores < 1}, a caller's bug rather than a
     *                                  model's
     */
    public ParseResult parse(String output, int expectedScores, boolean requirePrinciples) {
        if (expectedScores < 1) {
            throw new IllegalArgumentException("expectedScores must be >= 1, was " + expectedScores);
        }
        if (output == null) {
            return new ParseResult.Failed("empty output (null)");
        }
        try {
            return read(output, expectedScores, requirePrinciples);
        } catch (Reject reject) {
            return new ParseResult.Failed(reject.reason());
        } catch (RuntimeException bug) {
            // The contract is a typed outcome for every output; the fuzz test keeps this branch unused.
            return new ParseResult.Failed("internal parser error: " + Texts.show(String.valueOf(bug)));
        }
    }

    private ParseResult read(String output, int expectedScores, boolean requirePrinciples) {
        if (output.isBlank()) {
            throw new Reject("empty output");
        }
        String answer = Thinking.answer(output);
        List<Label> labels = Label.scan(answer);
        Box box = Box.last(answer);
        Label scoresLabel = scoresLabel(labels, box);
        List<Integer> scores = box.scores(answer, expectedScores, range);

        Label analysis = analysisLabel(labels, scoresLabel);
        Label criteria = criteriaLabel(labels, analysis);
        String critique = answer.substring(analysis.contentStart(), scoresLabel.lineStart()).strip();
        if (critique.isEmpty()) {
            throw new Reject("empty 'Analysis' section");
        }
        List<Principle> principles = criteria == null
                ? List.of()
                : Principles.read(answer.substring(criteria.contentStart(), analysis.lineStart()));
        if (requirePrinciples && principles.isEmpty()) {
            throw new Reject(NO_PRINCIPLES);
        }
        return new ParseResult.Parsed(principles, critique, scores);
    }

    /** The last scores label before {@code box}: the one that introduces the verdict. */
    private static Label scoresLabel(List<Label> labels, Box box) {
        boolean anyLabel = labels.stream().anyMatch(label -> label.kind() == Label.Kind.SCORES);
        if (box == null) {
            throw new Reject(anyLabel ? "no \\boxed{...} after the 'Scores' label"
                    : "no 'Scores' label and no \\boxed{...}");
        }
        if (!box.closed()) {
            throw new Reject("unclosed \\boxed{");
        }
        Label found = null;
        for (Label label : labels) {
            if (label.kind() == Label.Kind.SCORES && label.contentStart() <= box.start()) {
                found = label;
            }
        }
        if (found == null) {
            throw new Reject(anyLabel ? "no \\boxed{...} after the 'Scores' label"
                    : "\\boxed{...} without a 'Scores' label before it");
        }
        return found;
    }

    /**
     * The label that opens the critique: the first analysis label after the criteria label, so that a
     * sub-heading such as "Evaluation:" inside the critique does not cut it short.
     */
    private static Label analysisLabel(List<Label> labels, Label scoresLabel) {
        Label lastAnalysis = null;
        for (Label label : labels) {
            if (label.kind() == Label.Kind.ANALYSIS && label.lineStart() < scoresLabel.lineStart()) {
                lastAnalysis = label;
            }
        }
        if (lastAnalysis == null) {
            throw new Reject("no 'Analysis' section before the 'Scores' label");
        }
        Label criteria = criteriaLabel(labels, lastAnalysis);
        int from = criteria == null ? 0 : criteria.contentStart();
        for (Label label : labels) {
            if (label.kind() == Label.Kind.ANALYSIS && label.lineStart() >= from) {
                return label;
            }
        }
        return lastAnalysis;
    }

    /**
     * The last criteria label before {@code analysis}. The last, not the first, because a model that
     * echoes the prompt's format before answering states its own criteria after the echo.
     */
    private static Label criteriaLabel(List<Label> labels, Label analysis) {
        Label found = null;
        for (Label label : labels) {
            if (label.kind() == Label.Kind.CRITERIA && label.lineStart() < analysis.lineStart()) {
                found = label;
            }
        }
        return found;
    }
}
