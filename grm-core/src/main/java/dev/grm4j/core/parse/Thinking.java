package dev.grm4j.core.parse;

import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Separates a reasoning model's thinking from its answer.
 *
 * <p>Reasoning comes in {@code <think>}, {@code <thinking>}, {@code <reasoning>} or
 * {@code <reflection>} blocks, in any case. A block that opens the output ends at its balancing closing
 * tag, and a closing tag whose opener the server stripped ends the thinking only if no section label
 * comes before it. Later in the answer a block counts only where its tag starts a line, as a model
 * writes it; a tag inside a sentence is text, because an analysis that quotes a candidate's
 * {@code </think>} must not be cut in two, nor lose the verdict to a candidate's stray tag. A block
 * that opens and never closes means there is no answer: whatever follows it is still reasoning.
 */
final class Thinking {

    private static final List<String> NAMES = List.of("thinking", "think", "reasoning", "reflection");

    private Thinking() {
    }

    /**
     * The answer part of {@code output}: what is left once the reasoning blocks are removed.
     *
     * @throws Reject if a reasoning block opens and never closes, or nothing follows the reasoning
     */
    static String answer(String output) {
        int answerStart = 0;
        String closed = null;
        int first = firstNonSpace(output, 0);
        String opened = tagAt(output, first, false);
        if (opened != null) {
            // Some servers split long reasoning into blocks that follow one another.
            while (opened != null) {
                closed = opened;
                answerStart = endOfBlock(output, first, opened);
                first = firstNonSpace(output, answerStart);
                opened = tagAt(output, first, false);
            }
        } else {
            int close = firstClosingTag(output);
            if (close >= 0 && Label.scan(output.substring(0, close)).isEmpty()) {
                answerStart = output.indexOf('>', close) + 1;
                closed = output.substring(close + 2, answerStart - 1).toLowerCase(Locale.ROOT);
            }
        }
        String answer = withoutLineBlocks(output.substring(answerStart));
        if (answer.isBlank()) {
            throw new Reject(answerStart > 0 ? "no answer after </" + closed + ">" : "empty output");
        }
        return answer;
    }

    /** {@code text} without the reasoning blocks whose opening tag starts a line. */
    private static String withoutLineBlocks(String text) {
        StringBuilder kept = null;
        int copied = 0;
        int lineStart = 0;
        while (lineStart < text.length()) {
            int at = lineStart;
            while (at < text.length() && text.charAt(at) != '\n' && Texts.isSpace(text.charAt(at))) {
                at++;
            }
            String name = tagAt(text, at, false);
            if (name != null) {
                int end = endOfBlock(text, at, name);
                if (kept == null) {
                    kept = new StringBuilder(text.length());
                }
                kept.append(text, copied, lineStart).append('\n');
                copied = end;
                lineStart = end;
                continue;
            }
            int newline = text.indexOf('\n', lineStart);
            if (newline < 0) {
                break;
            }
            lineStart = newline + 1;
        }
        return kept == null ? text : kept.append(text, copied, text.length()).toString();
    }

    /** The index just past the closing tag that balances the opening tag of {@code name} at {@code open}. */
    private static int endOfBlock(String text, int open, String name) {
        int depth = 0;
        int at = open;
        while (at >= 0 && at < text.length()) {
            String opening = tagAt(text, at, false);
            String closing = opening == null ? tagAt(text, at, true) : null;
            if (name.equals(opening)) {
                depth++;
            } else if (name.equals(closing) && --depth == 0) {
                return text.indexOf('>', at) + 1;
            }
            at = text.indexOf('<', at + 1);
        }
        throw new Reject("unterminated <" + name + "> block: no answer after the reasoning");
    }

    private static int firstClosingTag(String text) {
        int at = text.indexOf('<');
        while (at >= 0) {
            if (tagAt(text, at, true) != null) {
                return at;
            }
            at = text.indexOf('<', at + 1);
        }
        return -1;
    }

    /** The tag's name in lowercase if a reasoning tag (closing when {@code closing}) starts at {@code at}. */
    private static @Nullable String tagAt(String text, int at, boolean closing) {
        if (at < 0 || at >= text.length() || text.charAt(at) != '<') {
            return null;
        }
        int nameStart = at + 1;
        if (closing) {
            if (nameStart >= text.length() || text.charAt(nameStart) != '/') {
                return null;
            }
            nameStart++;
        }
        for (String name : NAMES) {
            int end = nameStart + name.length();
            if (Texts.matchesAt(text, nameStart, name) && end < text.length() && text.charAt(end) == '>') {
                return name.toLowerCase(Locale.ROOT);
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
