package dev.grm4j.core.parse;

/** Scanning helpers that stay linear on multi-megabyte outputs. */
final class Texts {

    /** Longest slice of a bad value a reason shows, so that reasons stay one short line. */
    static final int SHOWN_CHARS = 40;

    private Texts() {
    }

    /** {@code value} cut to {@link #SHOWN_CHARS}, with line breaks and controls flattened to spaces. */
    static String show(String value) {
        int end = Math.min(value.length(), SHOWN_CHARS);
        if (end < value.length() && Character.isHighSurrogate(value.charAt(end - 1))) {
            end--;
        }
        StringBuilder shown = new StringBuilder(end + 1);
        for (int i = 0; i < end; i++) {
            char c = value.charAt(i);
            shown.append(Character.isISOControl(c) ? ' ' : c);
        }
        if (end < value.length()) {
            shown.append('…');
        }
        return shown.toString();
    }

    /** Whitespace in the broad sense: Java whitespace plus no-break and ideographic spaces. */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    /** Markdown emphasis and inline-code marks, which models sprinkle around labels and boxes. */
    static boolean isEmphasis(char c) {
        return c == '*' || c == '_' || c == '`';
    }

    /** Whether {@code text} holds {@code needle} at {@code at}, ignoring ASCII case. */
    static boolean matchesAt(String text, int at, String needle) {
        return text.regionMatches(true, at, needle, 0, needle.length());
    }
}
