package dev.grm4j.principles;

import dev.grm4j.core.internal.Weights;
import dev.grm4j.core.Outcome;
import dev.grm4j.core.Principle;
import dev.grm4j.core.ScoreRange;
import dev.grm4j.core.parse.GrmOutputParser;
import dev.grm4j.core.parse.ParseResult;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Reads principle lists and normalizes their weights. Stateless and thread-safe.
 *
 * <p>Parsing goes through the judge's own parser ({@link GrmOutputParser}), so a principle list reads
 * the same here as in a judgement: a bullet ({@code 1.}, {@code 1)}, {@code -}, {@code *}, {@code •})
 * starts a principle and the lines under it continue it; without bullets, each non-blank line is a
 * principle. A weight is read from the principle's text: a percentage ({@code 40%}), a decimal or
 * fraction in brackets ({@code (0.4)}, {@code [1/3]}), or a {@code weight} annotation
 * ({@code weight: 0.3}). Weights are normalized to sum to 1: with none, every principle weighs the
 * same; with some, the unweighted ones get the mean of the given weights.
 *
 * <pre>{@code
 * List<Principle> principles = Principles.parse("""
 *         Correctness (60%): the final answer is right.
 *         Clarity (40%): the steps are easy to follow.
 *         """);
 * // weights 0.6 and 0.4
 * }</pre>
 */
public final class Principles {

    /** Closes the principle list so that the judge's parser, which needs a full judgement, accepts it. */
    private static final String CLOSING = "\n\nAnalysis:\n(none)\n\nScores: \\boxed{1}\n";

    private static final String LABEL = "Specific Criteria:\n";

    private static final String PROBE = "grm4j-label-probe";

    private static final GrmOutputParser PARSER = GrmOutputParser.of(ScoreRange.DEFAULT);

    private static final Pattern BULLET = Pattern.compile("^\\s*(\\d{1,3}[.)]|[-*•+·])\\s");

    private Principles() {
    }

    /**
     * Reads a principle list, as a model or a person writes one. When the text has a criteria label
     * ({@code Specific Criteria:}, {@code Principles:}; a model's output in the judge's layout), the
     * principles are the lines under the last such label, up to an analysis label if any; a leading
     * {@code <think>} block is skipped. Otherwise the whole text is the list.
     *
     * @param text the list, or a model's answer containing one
     * @return at least one principle, weights summing to 1, in the order written
     * @throws NullPointerException if {@code text} is null
     * @throws PrincipleException   ({@link Outcome#UNPARSEABLE}) if the text holds no principle, or
     *                              the weights it gives sum to 0; the exception carries the text
     */
    public static List<Principle> parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isBlank()) {
            throw unusable("no principles: the text is blank", text);
        }
        return startsWithThinking(text) || hasCriteriaLabel(text) ? parseAnswer(text) : parseList(text);
    }

    /**
     * Reads the principles of a model's answer in the judge's layout: the lines under its last criteria
     * label. Strict: without such a label (a refusal, a chat reply) there is no principle.
     *
     * @throws PrincipleException ({@link Outcome#UNPARSEABLE}) if there is no criteria section, it is
     *                            empty, or its weights sum to 0
     */
    static List<Principle> parseAnswer(String text) {
        ParseResult section = PARSER.parse(text + CLOSING, 1, true);
        if (section instanceof ParseResult.Parsed parsed) {
            return parsed.principles();
        }
        throw unusable(((ParseResult.Failed) section).reason(), text);
    }

    /**
     * Reads {@code text} as a bare list, one principle per line (or per bullet, when it has bullets);
     * no line is read as a section label.
     */
    static List<Principle> parseList(String text) {
        Objects.requireNonNull(text, "text");
        String[] lines = text.split("\r?\n", -1);
        boolean bulleted = false;
        for (String line : lines) {
            bulleted |= BULLET.matcher(line).find();
        }
        StringBuilder list = new StringBuilder(LABEL);
        for (String line : lines) {
            if (line.isBlank()) {
                list.append('\n');
            } else {
                // A bullet keeps a principle named "Scores (10%): ..." from reading as a section label.
                list.append(bulleted ? line : "- " + line.strip()).append('\n');
            }
        }
        ParseResult result = PARSER.parse(list + CLOSING, 1, true);
        if (result instanceof ParseResult.Failed failed) {
            throw unusable(failed.reason(), text);
        }
        return ((ParseResult.Parsed) result).principles();
    }

    /**
     * The same principles with weights scaled to sum to 1. When every weight is 0, every principle
     * gets the same share, as the prompt template renders such a list.
     *
     * @return a new list of the same texts, in the same order
     * @throws NullPointerException     if {@code principles} or an element is null
     * @throws IllegalArgumentException if {@code principles} is empty
     */
    public static List<Principle> normalize(List<Principle> principles) {
        Objects.requireNonNull(principles, "principles");
        if (principles.isEmpty()) {
            throw new IllegalArgumentException("principles is empty: at least 1 principle is required");
        }
        for (int i = 0; i < principles.size(); i++) {
            Objects.requireNonNull(principles.get(i), "principles[" + i + "]");
        }
        return Weights.normalized(principles, Principle::weight, Principle::withWeight);
    }

    /**
     * Whether the parser finds a criteria label of the text's own: a probe list put before the text
     * is read only when the text has none (the last criteria label counts).
     */
    private static boolean hasCriteriaLabel(String text) {
        ParseResult probe = PARSER.parse(LABEL + "- " + PROBE + " (1%)\n\n" + text + CLOSING, 1, true);
        return !(probe instanceof ParseResult.Parsed parsed && parsed.principles().get(0).text().startsWith(PROBE));
    }

    private static boolean startsWithThinking(String text) {
        return text.stripLeading().toLowerCase(Locale.ROOT).startsWith("<think");
    }

    private static PrincipleException unusable(String reason, String text) {
        return new PrincipleException(Outcome.UNPARSEABLE, reason, text, null);
    }
}
