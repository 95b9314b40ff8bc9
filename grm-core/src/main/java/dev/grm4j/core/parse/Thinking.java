package dev.grm4j.core.parse;

/**
 * Separates a reasoning model's thinking from its answer.
 *
 * <p>Thinking comes first or not at all: a block that opens the output ends at its balancing closing
 * tag, and a closing tag whose opener the server stripped ends the thinking only if no section label
 * comes before it. A tag met later is text: the analysis may well quote a candidate that contains
 * {@code </think>}, and such a quote must not cut the answer in two.
 */
final class Thinking {

    private static final String[] CLOSING = {"</thinking>", "</think>"};
    private static final String[] OPENING = {"<thinking>", "<think>"};

    private Thinking() {
    }

    /**
     * The answer part of {@code output}.
     *
     * @throws Reject if a thinking block opens and never closes, or nothing follows the reasoning
     */
    static String answer(String output) {
        int answerStart = 0;
        int first = firstNonSpace(output, 0);
        if (tagAt(output, first, OPENING) != null) {
            answerStart = endOfBlock(output, first);
        } else {
            int close = nextTag(output, 0, CLOSING);
            if (close >= 0 && Label.scan(output.substring(0, close)).isEmpty()) {
                answerStart = close + tagAt(output, close, CLOSING).length();
            }
        }
        String answer = output.substring(answerStart);
        if (answer.isBlank()) {
            throw new Reject(answerStart > 0 ? "no answer after </think>" : "empty output");
        }
        if (tagAt(answer, firstNonSpace(answer, 0), OPENING) != null) {
            // A second block right after the first: some servers split long reasoning in two.
            return answer(answer);
        }
        return answer;
    }

    /** The index just past the closing tag that balances the opening tag at {@code open}. */
    private static int endOfBlock(String text, int open) {
        int depth = 0;
        int at = open;
        while (at >= 0 && at < text.length()) {
            String opening = tagAt(text, at, OPENING);
            String closing = opening == null ? tagAt(text, at, CLOSING) : null;
            if (opening != null) {
                depth++;
                at += opening.length();
            } else if (closing != null) {
                depth--;
                at += closing.length();
                if (depth == 0) {
                    return at;
                }
            } else {
                at++;
            }
            at = text.indexOf('<', at);
        }
        throw new Reject("unterminated <think> block: no answer after the reasoning");
    }

    private static int nextTag(String text, int from, String[] tags) {
        int at = text.indexOf('<', from);
        while (at >= 0) {
            if (tagAt(text, at, tags) != null) {
                return at;
            }
            at = text.indexOf('<', at + 1);
        }
        return -1;
    }

    private static String tagAt(String text, int at, String[] tags) {
        if (at < 0 || at >= text.length()) {
            return null;
        }
        for (String tag : tags) {
            if (Texts.matchesAt(text, at, tag)) {
                return tag;
            }
        }
        return null;
    }

    private static int firstNonSpace(String text, int from) {
        int at = from;
        while (at < text.length() && Texts.isSpace(text.charAt(at))) {
            at++;
        }
        return at;
    }
}
