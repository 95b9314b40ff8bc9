package dev.grm4j.core.parse;

import dev.grm4j.core.ScoreRange;

import java.util.ArrayList;
import java.util.List;

/**
 * One {@code \boxed{...}} in the answer.
 *
 * @param start        where {@code \boxed} starts
 * @param contentStart just after the opening brace
 * @param contentEnd   at the matching closing brace, or the end of the text when unclosed
 * @param closed       whether the matching closing brace was found
 */
record Box(int start, int contentStart, int contentEnd, boolean closed) {

    private static final String COMMAND = "\\boxed";
    private static final int MAX_DIGITS = 9;

    /**
     * The boxes in {@code text} from {@code from} on, in order; only the last may be unclosed. Braces
     * nest, so {@code \boxed{\text{8}, 5}} is one box. A {@code \boxed} inside an unclosed box starts
     * over: the outer one was abandoned, and counting on would swallow the real verdict.
     * {@code \boxed} followed by anything but a brace is prose about boxes, unless the text ends there
     * (a cut-off verdict).
     */
    static List<Box> all(String text, int from) {
        List<Box> boxes = new ArrayList<>();
        while (true) {
            int start = text.indexOf(COMMAND, from);
            if (start < 0) {
                return boxes;
            }
            int brace = start + COMMAND.length();
            while (brace < text.length() && Texts.isSpace(text.charAt(brace))) {
                brace++;
            }
            if (brace >= text.length()) {
                boxes.add(new Box(start, brace, brace, false));
                return boxes;
            }
            if (text.charAt(brace) != '{') {
                from = start + COMMAND.length();
                continue;
            }
            int depth = 1;
            int i = brace + 1;
            boolean abandoned = false;
            for (; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '{') {
                    depth++;
                } else if (c == '}' && --depth == 0) {
                    break;
                } else if (c == '\\' && text.startsWith(COMMAND, i)) {
                    abandoned = true;
                    break;
                }
            }
            if (abandoned) {
                from = i;
            } else if (i >= text.length()) {
                boxes.add(new Box(start, brace + 1, text.length(), false));
                return boxes;
            } else {
                boxes.add(new Box(start, brace + 1, i, true));
                from = i + 1;
            }
        }
    }

    /** Where this box ends: past its closing brace, or at the end of the text when unclosed. */
    int end() {
        return closed ? contentEnd + 1 : contentEnd;
    }

    /**
     * The box's content with spaces, emphasis and math dollars taken out, to tell a repeated verdict
     * ({@code \boxed{8, 5}} and {@code \boxed{8,5}}) from a different one.
     */
    String normalized(String text) {
        StringBuilder kept = new StringBuilder(contentEnd - contentStart);
        for (int i = contentStart; i < contentEnd; i++) {
            char c = text.charAt(i);
            if (!Texts.isSpace(c) && !Texts.isEmphasis(c) && c != '$') {
                kept.append(c == '，' || c == '、' || c == ';' || c == '；' ? ',' : c);
            }
        }
        return kept.toString();
    }

    /**
     * The integer scores in this box.
     *
     * @throws Reject unless the box holds exactly {@code expected} integers within {@code range}
     */
    List<Integer> scores(String text, int expected, ScoreRange range) {
        String content = text.substring(contentStart, contentEnd);
        if (content.isBlank()) {
            throw new Reject("empty \\boxed{}");
        }
        Items items = Items.split(content, expected);
        if (items.anyEmpty) {
            throw new Reject("empty score in \\boxed{" + Texts.show(content.strip()) + "}");
        }
        if (items.count != expected) {
            throw new Reject("expected " + expected + (expected == 1 ? " score" : " scores") + ", found "
                    + items.count + " in \\boxed{" + Texts.show(content.strip()) + "}");
        }
        List<Integer> scores = new ArrayList<>(expected);
        for (String item : items.kept) {
            int score = integer(item, range);
            if (!range.contains(score)) {
                throw new Reject("score " + score + " outside " + range);
            }
            scores.add(score);
        }
        return scores;
    }

    /**
     * Items between separators, unwrapped of spaces, emphasis and math-mode dollars. Separators are the
     * ASCII comma, the full-width and ideographic commas, and semicolons of either width. Only the first
     * {@code keep} items are kept: a megabyte of {@code 1,1,1,...} must not become a million strings.
     */
    private static final class Items {
        final List<String> kept = new ArrayList<>();
        int count;
        boolean anyEmpty;

        static Items split(String content, int keep) {
            Items items = new Items();
            StringBuilder item = new StringBuilder();
            for (int i = 0; i < content.length(); i++) {
                char c = content.charAt(i);
                if (c == ',' || c == '，' || c == '、' || c == ';' || c == '；') {
                    items.add(item, keep);
                } else if (item.length() > Texts.SHOWN_CHARS) {
                    // Only shown from here on; the marker keeps the cut item from reading as a number.
                    if (item.charAt(item.length() - 1) != '…') {
                        item.append('…');
                    }
                } else if (Texts.isSpace(c)) {
                    // Inner spaces stay, so that "8 5" is reported as written rather than read as 85.
                    if (item.length() > 0) {
                        item.append(' ');
                    }
                } else {
                    item.append(c);
                }
            }
            items.add(item, keep);
            return items;
        }

        private void add(StringBuilder item, int keep) {
            String text = unwrap(item.toString());
            item.setLength(0);
            anyEmpty |= text.isEmpty();
            if (count++ < keep) {
                kept.add(text);
            }
        }
    }

    /**
     * {@code item} without the spaces, emphasis and dollars around it. Marks inside stay, so that
     * {@code 1*0} is not read as 10.
     */
    private static String unwrap(String item) {
        int start = 0;
        int end = item.length();
        while (start < end && isWrapper(item.charAt(start))) {
            start++;
        }
        while (end > start && isWrapper(item.charAt(end - 1))) {
            end--;
        }
        return item.substring(start, end);
    }

    private static boolean isWrapper(char c) {
        return Texts.isSpace(c) || Texts.isEmphasis(c) || c == '$';
    }

    /** An optional sign, then ASCII digits and nothing else. */
    private static int integer(String item, ScoreRange range) {
        int digitsStart = item.charAt(0) == '+' || item.charAt(0) == '-' ? 1 : 0;
        if (digitsStart == item.length()) {
            throw notAnInteger(item);
        }
        for (int i = digitsStart; i < item.length(); i++) {
            char c = item.charAt(i);
            if (c < '0' || c > '9') {
                throw notAnInteger(item);
            }
        }
        if (item.length() - digitsStart > MAX_DIGITS) {
            throw new Reject("score " + Texts.show(item) + " outside " + range);
        }
        return Integer.parseInt(item);
    }

    private static Reject notAnInteger(String item) {
        return new Reject("score '" + Texts.show(item) + "' is not an integer");
    }
}
