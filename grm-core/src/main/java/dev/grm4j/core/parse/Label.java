package dev.grm4j.core.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A section label found at the start of a line: {@code Specific Criteria:}, {@code Analysis:},
 * {@code Scores:} and their variants.
 *
 * @param kind         which section the label opens
 * @param lineStart    where the label's line starts
 * @param contentStart where the section's text starts: after the colon, or at the end of a heading line
 * @param quoted       whether the label stands in a {@code >} block quote
 */
record Label(Kind kind, int lineStart, int contentStart, boolean quoted) {

    enum Kind { CRITERIA, ANALYSIS, SCORES }

    /**
     * How far into a line a label may reach. Labels are a few words long; the bound keeps one
     * multi-megabyte line from being read word by word.
     */
    private static final int MAX_LABEL_CHARS = 120;

    private static final int MAX_SCORES_WORDS = 4;
    private static final int MAX_SECTION_WORDS = 3;
    private static final int MAX_CJK_LABEL_CHARS = 6;

    private static final Set<String> SCORES_WORDS = Set.of("score", "scores");
    private static final Set<String> CRITERIA_WORDS = Set.of("criteria", "criterion", "principles", "principle");
    private static final Set<String> ANALYSIS_WORDS = Set.of("analysis", "critique", "critiques", "evaluation",
            "evaluations");
    private static final List<String> CJK_SCORES = List.of("评分", "分数", "得分", "打分");
    private static final List<String> CJK_CRITERIA = List.of("标准", "准则", "原则");
    private static final List<String> CJK_ANALYSIS = List.of("分析", "评析", "点评");

    /**
     * Every label in {@code text}, in order of position; at most one per line. A line that opens with
     * a backtick is quoted code, never a label. A label in a {@code >} block quote is kept but marked
     * {@link #quoted}: some judges set their verdict in a block quote, and only the reader of the
     * verdict can tell. Code fences are not told apart: a candidate's unbalanced fence would otherwise
     * hide the judge's own labels.
     */
    static List<Label> scan(String text) {
        List<Label> labels = new ArrayList<>();
        int lineStart = 0;
        while (lineStart <= text.length()) {
            int newline = text.indexOf('\n', lineStart);
            int lineEnd = newline < 0 ? text.length() : newline;
            Label label = read(text, lineStart, lineEnd);
            if (label != null) {
                labels.add(label);
            }
            if (newline < 0) {
                break;
            }
            lineStart = newline + 1;
        }
        return labels;
    }

    /**
     * The label on one line, or null. The line may open with heading marks ({@code ##}, optionally
     * followed by a section number) and emphasis; list bullets, numbered items and quotes are never
     * labels, so that a principle named "Analysis" stays a principle and a quoted verdict stays a quote.
     */
    private static @Nullable Label read(String text, int lineStart, int lineEnd) {
        int limit = Math.min(lineEnd, lineStart + MAX_LABEL_CHARS);
        int i = skipSpaces(text, lineStart, limit);
        if (i < limit && text.charAt(i) == '`') {
            return null;
        }
        boolean quoted = false;
        while (i < limit && text.charAt(i) == '>') {
            quoted = true;
            i = skipSpaces(text, i + 1, limit);
        }
        boolean heading = false;
        while (i < limit && text.charAt(i) == '#') {
            heading = true;
            i++;
        }
        if (heading) {
            i = skipSectionNumber(text, skipSpaces(text, i, limit), limit);
        }
        if (i >= limit || text.charAt(i) == '>' || isBullet(text, i, limit)) {
            return null;
        }

        List<String> words = new ArrayList<>(MAX_SCORES_WORDS);
        while (true) {
            i = skipEmphasisAndSpaces(text, i, limit);
            int wordStart = i;
            while (i < limit && isWordChar(text, i, wordStart)) {
                i++;
            }
            if (i == wordStart || words.size() == MAX_SCORES_WORDS) {
                return null;
            }
            words.add(text.substring(wordStart, i));
            int next = skipEmphasisAndSpaces(text, i, limit);
            if (next == i || next >= limit || !Character.isLetter(text.charAt(next))) {
                i = next;
                break;
            }
        }

        Kind kind = classify(words);
        if (kind == null) {
            return null;
        }
        // "Scores (Response 1, Response 2):" names what follows; the label is still the word before it.
        if (i < limit && (text.charAt(i) == '(' || text.charAt(i) == '（')) {
            int close = i + 1;
            while (close < limit && text.charAt(close) != ')' && text.charAt(close) != '）') {
                close++;
            }
            if (close >= limit) {
                return null;
            }
            i = skipEmphasisAndSpaces(text, close + 1, limit);
        }
        if (i < lineEnd && (text.charAt(i) == ':' || text.charAt(i) == '：')) {
            // The closing half of "**Scores:**" belongs to the label, not to the section.
            int contentStart = i + 1;
            while (contentStart < lineEnd && Texts.isEmphasis(text.charAt(contentStart))) {
                contentStart++;
            }
            return new Label(kind, lineStart, contentStart, quoted);
        }
        return restIsDecoration(text, i, lineEnd) ? new Label(kind, lineStart, lineEnd, quoted) : null;
    }

    private static @Nullable Kind classify(List<String> words) {
        String last = words.get(words.size() - 1).toLowerCase(Locale.ROOT);
        if (words.size() == 1 && last.length() <= MAX_CJK_LABEL_CHARS) {
            Kind cjk = classifyCjk(last);
            if (cjk != null) {
                return cjk;
            }
        }
        if (SCORES_WORDS.contains(last)) {
            return Kind.SCORES;
        }
        if (words.size() > MAX_SECTION_WORDS) {
            return null;
        }
        // "Criteria for Evaluation" names the criteria, though it ends in an analysis word.
        for (String word : words) {
            if (CRITERIA_WORDS.contains(word.toLowerCase(Locale.ROOT))) {
                return Kind.CRITERIA;
            }
        }
        return ANALYSIS_WORDS.contains(last) ? Kind.ANALYSIS : null;
    }

    private static Kind classifyCjk(String word) {
        if (CJK_SCORES.stream().anyMatch(word::endsWith)) {
            return Kind.SCORES;
        }
        if (CJK_CRITERIA.stream().anyMatch(word::endsWith)) {
            return Kind.CRITERIA;
        }
        return CJK_ANALYSIS.stream().anyMatch(word::endsWith) ? Kind.ANALYSIS : null;
    }

    private static boolean isWordChar(String text, int i, int wordStart) {
        char c = text.charAt(i);
        if (Character.isLetter(c)) {
            return true;
        }
        // Hyphenated words ("Query-specific Criteria") are one word.
        return (c == '-' || c == '\'') && i > wordStart && i + 1 < text.length()
                && Character.isLetter(text.charAt(i + 1));
    }

    private static boolean isBullet(String text, int i, int limit) {
        char c = text.charAt(i);
        boolean spaceAfter = i + 1 >= limit || Texts.isSpace(text.charAt(i + 1));
        if (c == '-' || c == '+' || c == '•' || c == '·') {
            return spaceAfter;
        }
        if (c == '*') {
            return spaceAfter;
        }
        int digits = i;
        while (digits < limit && digits - i < 4 && isAsciiDigit(text.charAt(digits))) {
            digits++;
        }
        return digits > i && digits < limit && (text.charAt(digits) == '.' || text.charAt(digits) == ')');
    }

    private static int skipSectionNumber(String text, int i, int limit) {
        int j = i;
        while (j < limit && (isAsciiDigit(text.charAt(j)) || text.charAt(j) == '.')) {
            j++;
        }
        if (j > i && j < limit && text.charAt(j) == ')') {
            j++;
        }
        return j > i ? skipSpaces(text, j, limit) : i;
    }

    private static boolean restIsDecoration(String text, int i, int lineEnd) {
        for (int j = i; j < lineEnd; j++) {
            char c = text.charAt(j);
            if (!Texts.isSpace(c) && !Texts.isEmphasis(c) && c != '#') {
                return false;
            }
        }
        return true;
    }

    private static int skipSpaces(String text, int i, int limit) {
        while (i < limit && Texts.isSpace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int skipEmphasisAndSpaces(String text, int i, int limit) {
        while (i < limit && (Texts.isEmphasis(text.charAt(i)) || Texts.isSpace(text.charAt(i)))) {
            i++;
        }
        return i;
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
