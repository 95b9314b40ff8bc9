package dev.grm4j.core.parse;

import dev.grm4j.core.Principle;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Reads the principles, and their weights, out of a criteria section. */
final class Principles {

    /** Longer numbers are not weights: the bound keeps every weight finite and every look-ahead short. */
    private static final int MAX_NUMBER_CHARS = 12;

    private Principles() {
    }

    /**
     * The principles in {@code section}, weights normalized to sum to 1; empty if it holds none.
     *
     * @throws Reject if the weights the model gave sum to 0
     */
    static List<Principle> read(String section) {
        List<String> texts = texts(section.split("\n", -1));
        if (texts.isEmpty()) {
            return List.of();
        }
        List<Double> weights = new ArrayList<>(texts.size());
        double givenSum = 0;
        int given = 0;
        for (String text : texts) {
            Double weight = weight(text);
            weights.add(weight);
            if (weight != null) {
                givenSum += weight;
                given++;
            }
        }
        // Unweighted principles count as an average one: neither ignored nor dominant.
        double fill = given == 0 ? 1.0 : givenSum / given;
        double sum = givenSum + fill * (texts.size() - given);
        if (!(sum > 0)) {
            throw new Reject("principle weights sum to 0");
        }
        List<Principle> principles = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            Double weight = weights.get(i);
            principles.add(new Principle(texts.get(i), (weight == null ? fill : weight) / sum));
        }
        return principles;
    }

    /**
     * One text per principle. With bullets, a bullet starts a principle and the lines under it continue
     * it: lines right below it, or indented ones (nested bullets included) even after a blank line. A
     * flush-left line after a blank line is commentary and ends the list item; text before the first
     * bullet is a preamble. Without bullets, each non-blank line is a principle.
     */
    private static List<String> texts(String[] lines) {
        boolean anyBullet = false;
        for (String line : lines) {
            anyBullet |= bulletEnd(line, indent(line)) >= 0;
        }
        List<String> texts = new ArrayList<>();
        if (!anyBullet) {
            for (String line : lines) {
                if (!line.isBlank()) {
                    texts.add(line.strip());
                }
            }
            return texts;
        }
        StringBuilder current = null;
        int baseIndent = -1;
        boolean blankBefore = false;
        for (String line : lines) {
            if (line.isBlank()) {
                blankBefore = true;
                continue;
            }
            int indent = indent(line);
            int bulletEnd = bulletEnd(line, indent);
            if (bulletEnd >= 0 && (baseIndent < 0 || indent <= baseIndent)) {
                baseIndent = baseIndent < 0 ? indent : baseIndent;
                addIfText(texts, current);
                current = new StringBuilder(line.substring(bulletEnd).strip());
            } else if (current != null && (!blankBefore || indent > baseIndent)) {
                if (current.length() > 0) {
                    current.append(' ');
                }
                current.append(line.strip());
            } else if (current != null) {
                addIfText(texts, current);
                current = null;
            }
            blankBefore = false;
        }
        addIfText(texts, current);
        return texts;
    }

    private static void addIfText(List<String> texts, StringBuilder text) {
        if (text != null && !text.toString().isBlank()) {
            texts.add(text.toString().strip());
        }
    }

    private static int indent(String line) {
        int i = 0;
        while (i < line.length() && Texts.isSpace(line.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Where the text after a bullet ({@code 1.}, {@code 1)}, {@code -}, {@code *}, {@code •}) starts, or -1. */
    private static int bulletEnd(String line, int at) {
        if (at >= line.length()) {
            return -1;
        }
        int after;
        char c = line.charAt(at);
        if (c == '-' || c == '*' || c == '•' || c == '+' || c == '·') {
            after = at + 1;
        } else {
            int digits = at;
            while (digits < line.length() && digits - at < 3 && isDigit(line.charAt(digits))) {
                digits++;
            }
            if (digits == at || digits >= line.length()
                    || (line.charAt(digits) != '.' && line.charAt(digits) != ')')) {
                return -1;
            }
            after = digits + 1;
        }
        if (after < line.length() && !Texts.isSpace(line.charAt(after))) {
            return -1;
        }
        return after;
    }

    /**
     * The weight a principle's text states, or null. The earliest of these wins: {@code weight} followed
     * by a number, fraction or percentage ({@code weight: 0.3}, {@code weight = 1/3}, {@code Weight: 30%});
     * a percentage ({@code 40%}); a decimal or fraction alone in brackets ({@code (0.4)}, {@code [1/3]}).
     * A bare integer in brackets is not a weight: "(1)" is more often a reference than a weight.
     */
    static @Nullable Double weight(String text) {
        for (int i = 0; i < text.length(); i++) {
            Double weight = weightAt(text, i);
            if (weight != null) {
                return weight;
            }
        }
        return null;
    }

    private static @Nullable Double weightAt(String text, int i) {
        char c = text.charAt(i);
        if ((c == 'w' || c == 'W') && Texts.matchesAt(text, i, "weight")
                && (i == 0 || !Character.isLetter(text.charAt(i - 1)))) {
            int j = i + "weight".length();
            if (j < text.length() && (text.charAt(j) == 's' || text.charAt(j) == 'S')) {
                j++;
            }
            while (j < text.length() && (Texts.isSpace(text.charAt(j)) || isAssignment(text.charAt(j)))) {
                j++;
            }
            Number number = Number.read(text, j);
            return number == null ? null : number.value();
        }
        if (c == '(' || c == '[' || c == '（') {
            int j = skipSpaces(text, i + 1);
            Number number = Number.read(text, j);
            if (number == null || number.percent() || !(number.decimal() || number.fraction())) {
                return null;
            }
            int close = skipSpaces(text, number.end());
            boolean closed = close < text.length()
                    && (text.charAt(close) == ')' || text.charAt(close) == ']' || text.charAt(close) == '）');
            return closed ? number.value() : null;
        }
        if (isDigit(c) && (i == 0 || !isDigit(text.charAt(i - 1)) && text.charAt(i - 1) != '.')) {
            Number number = Number.read(text, i);
            return number != null && number.percent() ? number.value() : null;
        }
        return null;
    }

    private static boolean isAssignment(char c) {
        return c == ':' || c == '=' || c == '：' || c == '*' || c == '_';
    }

    private static int skipSpaces(String text, int i) {
        while (i < text.length() && Texts.isSpace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /**
     * A non-negative number as models write weights: {@code 0.4}, {@code .4}, {@code 1/3}, optionally
     * followed by {@code %}.
     *
     * @param value the weight it states: a percentage divided by 100, a fraction divided out
     * @param end   just after the number (and its percent sign)
     */
    private record Number(double value, int end, boolean decimal, boolean fraction, boolean percent) {

        static @Nullable Number read(String text, int at) {
            int i = at;
            int start = i;
            i = digits(text, i);
            boolean decimal = false;
            if (i < text.length() && text.charAt(i) == '.' && i + 1 < text.length() && isDigit(text.charAt(i + 1))) {
                decimal = true;
                i = digits(text, i + 1);
            }
            if (i == start || i - start > MAX_NUMBER_CHARS) {
                return null;
            }
            double value = Double.parseDouble(text.substring(start, i));
            boolean fraction = false;
            if (!decimal && i + 1 < text.length() && text.charAt(i) == '/' && isDigit(text.charAt(i + 1))) {
                int denominatorEnd = digits(text, i + 1);
                if (denominatorEnd - i - 1 > MAX_NUMBER_CHARS) {
                    return null;
                }
                double denominator = Double.parseDouble(text.substring(i + 1, denominatorEnd));
                if (denominator == 0) {
                    return null;
                }
                value /= denominator;
                fraction = true;
                i = denominatorEnd;
            }
            int percentAt = skipSpaces(text, i);
            boolean percent = percentAt < text.length()
                    && (text.charAt(percentAt) == '%' || text.charAt(percentAt) == '％');
            if (percent) {
                value /= 100;
                i = percentAt + 1;
            }
            return new Number(value, i, decimal, fraction, percent);
        }

        private static int digits(String text, int i) {
            int limit = Math.min(text.length(), i + MAX_NUMBER_CHARS + 1);
            while (i < limit && isDigit(text.charAt(i))) {
                i++;
            }
            return i;
        }
    }
}
