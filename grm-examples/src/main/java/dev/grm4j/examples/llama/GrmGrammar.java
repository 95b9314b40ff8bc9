package dev.grm4j.examples.llama;

import dev.grm4j.core.ScoreRange;

import java.util.Objects;

/**
 * The GBNF grammar that holds the model to the GRM layout with exactly N integer scores in range:
 *
 * <pre>
 * Specific Criteria:
 * 1. &lt;criterion&gt; (&lt;weight&gt;%)
 * ...                                  (1 to maxCriteria lines)
 * Analysis:
 * Response 1: &lt;one line&gt;
 * ...                                  (one line per response, in order)
 * Scores: \boxed{s1, s2, ..., sN}
 * </pre>
 *
 * Every free-text run has a bounded length, so generation always terminates, and the free text never
 * contains a newline, a control character, a backslash or a brace (nor, in a criterion, a percent sign),
 * so it cannot open a section, a box or a weight of its own: the fixed last line is the one final
 * Scores section and holds the one box, so a model that quotes a candidate's own
 * {@code Score: \boxed{10}} can only quote it as text inside a line, and whatever the model writes
 * under this grammar, {@code GrmOutputParser} reads N in-range scores from that line. A complete output ends with the
 * box's closing brace and no free text contains one, which is how the backend tells a finished answer
 * from one cut off by the output budget ({@link #isComplete}).
 *
 * @param responses       N, the number of scores in the box, >= 1
 * @param range           the integer scores allowed
 * @param maxCriteria     the most criteria lines, 1..9
 * @param criterionChars  the longest criterion text, in characters, >= 1
 * @param analysisChars   the longest analysis line per response, in characters, >= 1
 * @param asciiText       whether free text is limited to printable ASCII; for vocabularies that spell
 *                        other characters with several (byte) tokens, where a character-count bound
 *                        would not bound the tokens
 */
record GrmGrammar(int responses, ScoreRange range, int maxCriteria, int criterionChars, int analysisChars,
                  boolean asciiText) {

    /** Larger ranges would make the score rule an alternation of thousands of literals. */
    static final int MAX_LEVELS = 1000;

    private static final String HEADER = "Specific Criteria:\n";
    private static final String ANALYSIS = "Analysis:\n";
    private static final String SCORES = "Scores: \\boxed{";
    /** "N. " before a criterion and " (100%)\n" at most after it. */
    private static final int CRITERION_OVERHEAD = 3 + 8;
    /** "Response NN: " before an analysis line and "\n" after it. */
    private static final int ANALYSIS_OVERHEAD = 14;
    private static final int MIN_TEXT = 8;

    GrmGrammar {
        Objects.requireNonNull(range, "range");
        if (responses < 1) {
            throw new IllegalArgumentException("responses must be >= 1, was " + responses);
        }
        if (range.levels() > MAX_LEVELS) {
            throw new IllegalArgumentException("score range " + range + " has more than " + MAX_LEVELS + " levels");
        }
        if (maxCriteria < 1 || maxCriteria > 9) {
            throw new IllegalArgumentException("maxCriteria must be in 1..9, was " + maxCriteria);
        }
        if (criterionChars < 1 || analysisChars < 1) {
            throw new IllegalArgumentException("criterionChars and analysisChars must be >= 1, were "
                    + criterionChars + " and " + analysisChars);
        }
    }

    /**
     * A grammar whose longest output fits {@code budget} characters where that is possible: the
     * criteria get at most a third of what the fixed text leaves, the analysis lines share the rest,
     * and neither exceeds the given caps. Below {@value #MIN_TEXT} characters per text run the budget
     * is ignored (such an answer would be useless anyway) and the output may be cut off.
     *
     * @param budget the output budget in characters; with at least one character per token (true of
     *               every vocabulary for ASCII text, and of the others where {@code asciiText} is false)
     *               an answer under this grammar fits that many tokens
     */
    static GrmGrammar fitted(int responses, ScoreRange range, int maxCriteria, int criterionChars,
                             int analysisChars, boolean asciiText, int budget) {
        int scoreChars = Math.max(Integer.toString(range.min()).length(), Integer.toString(range.max()).length());
        int fixed = HEADER.length() + ANALYSIS.length() + SCORES.length() + responses * (scoreChars + 2);
        int free = Math.max(0, budget - fixed);
        int criterion = Math.min(criterionChars, Math.max(MIN_TEXT, free / 3 / maxCriteria - CRITERION_OVERHEAD));
        int left = free - maxCriteria * (criterion + CRITERION_OVERHEAD);
        int analysis = Math.min(analysisChars, Math.max(MIN_TEXT, left / responses - ANALYSIS_OVERHEAD));
        return new GrmGrammar(responses, range, maxCriteria, criterion, analysis, asciiText);
    }

    /** The longest output this grammar allows, in characters. */
    int maxChars() {
        int scoreChars = Math.max(Integer.toString(range.min()).length(), Integer.toString(range.max()).length());
        return HEADER.length() + maxCriteria * (criterionChars + CRITERION_OVERHEAD) + ANALYSIS.length()
                + responses * (analysisChars + ANALYSIS_OVERHEAD) + SCORES.length() + responses * (scoreChars + 2);
    }

    /** The grammar in llama.cpp's GBNF. */
    String gbnf() {
        StringBuilder root = new StringBuilder("root ::= \"Specific Criteria:\\n\" criterion{1,")
                .append(maxCriteria).append("} \"Analysis:\\n\"");
        for (int i = 1; i <= responses; i++) {
            root.append(" \"Response ").append(i).append(": \" line \"\\n\"");
        }
        root.append(" \"Scores: \\\\boxed{\" score");
        for (int i = 2; i <= responses; i++) {
            root.append(" \", \" score");
        }
        root.append(" \"}\"\n");

        StringBuilder score = new StringBuilder("score ::=");
        for (int value = range.max(); value >= range.min(); value--) {
            score.append(value == range.max() ? " " : " | ").append('"').append(value).append('"');
        }
        return root
                + "criterion ::= [1-9] \". \" phrase \" (\" weight \"%)\\n\"\n"
                + "weight ::= \"100\" | [1-9] [0-9]?\n"
                + "phrase ::= " + textClass(false) + "{1," + criterionChars + "}\n"
                + "line ::= " + textClass(true) + "{1," + analysisChars + "}\n"
                + score + "\n";
    }

    /**
     * Printable characters but the backslash and the braces, and but the percent sign where
     * {@code percent} is false; printable ASCII only when {@link #asciiText}.
     */
    private String textClass(boolean percent) {
        if (asciiText) {
            return percent ? "[\\x20-\\x5b\\x5d-\\x7a\\x7c\\x7e]" : "[\\x20-\\x24\\x26-\\x5b\\x5d-\\x7a\\x7c\\x7e]";
        }
        return percent ? "[^\\x00-\\x1f\\x7f\\\\{}]" : "[^\\x00-\\x1f\\x7f\\\\{}%]";
    }

    /** Whether {@code text} is a whole answer under this grammar rather than one cut short. */
    static boolean isComplete(String text) {
        return text.endsWith("}");
    }
}
