package dev.grm4j.core.parse;

import dev.grm4j.core.Principle;
import dev.grm4j.core.ScoreRange;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

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
 *   <li><b>Reasoning.</b> {@code <think>}, {@code <thinking>}, {@code <reasoning>} and
 *       {@code <reflection>} blocks (any case) are removed up to their balancing closing tag, and a box
 *       inside one never counts: one that opens the output, and later ones whose tag starts a line. A
 *       closing tag whose opener the server stripped ends the reasoning only when no section label comes
 *       before it. A block that opens and never closes means there is no answer ("unterminated
 *       &lt;think&gt; block"). A tag inside a sentence is text: an analysis that quotes a candidate's
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
 *   <li><b>Scores</b> are the judge's verdict, read from the <em>final Scores section</em> only: the
 *       text after the last scores label. Candidates are read by the judge, and one that writes
 *       {@code Score: \boxed{10}} hopes to be quoted; so every doubt about whose box the verdict is
 *       fails the output rather than scoring it. A final section without a box fails ("verdict not
 *       boxed"), even when the analysis or a quote holds one; two different boxes in it (a verdict and a
 *       quoted, corrected or hypothetical one) fail; a parenthesis that states a response order other
 *       than 1..N ({@code Scores (Response 2, Response 1):}) fails. Labels in code fences or on lines
 *       that open with a backtick are quotes, and a label in a {@code >} block quote counts only when
 *       the judge wrote no other. Given the candidate responses ({@link #parse(String, List, boolean)}),
 *       a verdict whose box a candidate wrote itself after a score label fails too; the responses only
 *       ever veto a verdict. A box with no scores label before it fails. Spaces around
 *       {@code \boxed}, its braces and its items, markdown emphasis ({@code **\boxed{8, 5}**},
 *       {@code \boxed{**8**, 5}}), math dollars ({@code $\boxed{8, 5}$}) and text after the box are
 *       tolerated. Items are separated by {@code ,}, {@code ，}, {@code 、}, {@code ;} or {@code ；}; each
 *       is an optional sign and ASCII digits. A decimal, a fraction, a word or an empty item fails the
 *       output, as does a count other than {@code expectedScores} or a score outside the range.</li>
 *   <li><b>Nested braces</b> are matched when finding the end of a box, so {@code \boxed{\text{8}, 5}} is
 *       one box; its item {@code \text{8}} is not an integer, so the output fails. LaTeX inside a box is
 *       never interpreted. A {@code \boxed} that starts inside an unclosed box abandons the outer one; an
 *       unclosed last box is a failure ("unclosed \boxed{").</li>
 *   <li><b>Critique</b>: the text from the analysis label to the line of the final scores label,
 *       trimmed; it must not be blank. The analysis label
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
    public ParseResult parse(@Nullable String output, int expectedScores, boolean requirePrinciples) {
        if (expectedScores < 1) {
            throw new IllegalArgumentException("expectedScores must be >= 1, was " + expectedScores);
        }
        return parse(output, expectedScores, List.of(), requirePrinciples);
    }

    /**
     * Parses one model output, knowing the candidate responses the judge was shown, so that a verdict
     * the judge copied from a candidate ({@code Score: \boxed{10}} written by the candidate itself) is
     * a failure. The responses only ever veto a verdict; scores come from the output alone.
     *
     * @param output            the model's text, exactly as returned (may be null or empty: a failure)
     * @param responses         the N candidate texts the judge was shown, in any order
     * @param requirePrinciples whether a missing or empty "Specific Criteria" section is a failure
     * @return the parsed output, or a failure that says why; never throws for any {@code output}
     * @throws IllegalArgumentException if {@code responses} is empty or holds null
     */
    public ParseResult parse(@Nullable String output, List<String> responses, boolean requirePrinciples) {
        if (responses.isEmpty() || responses.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("responses must be non-empty and hold no null, were " + responses);
        }
        return parse(output, responses.size(), responses, requirePrinciples);
    }

    private ParseResult parse(@Nullable String output, int expectedScores, List<String> responses, boolean requirePrinciples) {
        if (output == null) {
            return new ParseResult.Failed("empty output (null)");
        }
        try {
            return read(output, expectedScores, responses, requirePrinciples);
        } catch (Reject reject) {
            return new ParseResult.Failed(reject.reason());
        } catch (RuntimeException bug) {
            // The contract is a typed outcome for every output; the fuzz test keeps this branch unused.
            return new ParseResult.Failed("internal parser error: " + Texts.show(String.valueOf(bug)));
        }
    }

    private ParseResult read(String output, int expectedScores, List<String> responses, boolean requirePrinciples) {
        if (output.isBlank()) {
            throw new Reject("empty output");
        }
        String answer = Thinking.answer(output);
        List<Label> labels = Label.scan(answer);
        Verdict verdict = Verdict.read(answer, labels, expectedScores, range, responses);
        Label scoresLabel = verdict.label();

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
        return new ParseResult.Parsed(principles, critique, verdict.scores());
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
