package dev.grm4j.core.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The response order a verdict states in parentheses, as in {@code Scores (Response 2, Response 1):}.
 * Scores are mapped back by position, so a box written in any order but 1..N would credit each score
 * to the wrong response; such a verdict is refused rather than guessed at.
 */
final class ResponseOrder {

    private static final Set<String> RESPONSE_WORDS = Set.of("response", "responses", "resp", "answer", "answers",
            "candidate", "candidates", "assistant", "assistants", "output", "outputs", "completion", "completions",
            "r", "回答", "响应", "答案", "回复");
    /** Words that continue a list of response numbers: "Responses 2 and 1", "Response 1 to 3". */
    private static final Set<String> LIST_WORDS = Set.of("and", "then", "to", "vs", "versus", "no", "nr", "number",
            "和", "与", "至");
    private static final int MAX_RANGE = 1024;
    /** How much of the box's line before it is read for a stated order; keeps long lines linear. */
    private static final int LEAD_IN_CHARS = 200;

    private ResponseOrder() {
    }

    /**
     * Checks the box's line before the box and the parentheses from the label to the end of the box's
     * line: a parenthesis in the label that names any response, or a lead-in or other parenthesis
     * that names two or more, must name exactly 1..{@code expected} in order. A single name elsewhere ("(Response 1 is better)") is a
     * remark, not an order.
     *
     * @throws Reject naming the stated order
     */
    static void check(String answer, Label label, Box verdict, int expected) {
        // "Scores for Response 2 and Response 1: \boxed{5, 8}" states an order without parentheses.
        int boxLine = answer.lastIndexOf('\n', verdict.start() - 1) + 1;
        List<Integer> leadIn = named(answer.substring(Math.max(boxLine, verdict.start() - LEAD_IN_CHARS),
                verdict.start()), expected);
        if (leadIn.size() >= 2 && !isNatural(leadIn, expected)) {
            throw stated(leadIn, expected);
        }
        int lineEnd = answer.indexOf('\n', verdict.end());
        int end = lineEnd < 0 ? answer.length() : lineEnd;
        int at = label.lineStart();
        while (at < end) {
            int open = nextOpening(answer, at, end);
            if (open < 0) {
                return;
            }
            int close = nextClosing(answer, open + 1, end);
            if (close < 0) {
                return;
            }
            List<Integer> named = named(answer.substring(open + 1, close), expected);
            boolean inLabel = open < label.contentStart();
            if (named.size() >= (inLabel ? 1 : 2) && !isNatural(named, expected)) {
                throw stated(named, expected);
            }
            at = close + 1;
        }
    }

    /**
     * The response numbers a parenthesis names, in the order it names them: numbers after a response
     * word ("Responses 2 and 1", "Response 1-3", "#2"), or a bare list of 1..N in some order ("(2, 1)").
     * A colon or an equals sign ends a list, since what follows it is a score: "(Response 1: 8)".
     */
    static List<Integer> named(String text, int expected) {
        List<Token> tokens = Token.split(text);
        List<Integer> named = new ArrayList<>();
        List<Integer> numbers = new ArrayList<>();
        boolean listing = false;
        boolean bare = true;
        for (int i = 0; i < tokens.size(); i++) {
            Token token = tokens.get(i);
            if (token.number() >= 0) {
                numbers.add(token.number());
                boolean range = i >= 2 && tokens.get(i - 1).isRange() && tokens.get(i - 2).number() >= 0;
                if (listing && range && !named.isEmpty() && token.number() > named.get(named.size() - 1)) {
                    int from = named.get(named.size() - 1);
                    for (int n = from + 1; n <= token.number() && n - from <= MAX_RANGE; n++) {
                        named.add(n);
                    }
                } else if (listing || (i > 0 && tokens.get(i - 1).text().equals("#"))) {
                    named.add(token.number());
                }
            } else if (token.isWord()) {
                bare = false;
                String word = token.text().toLowerCase(Locale.ROOT);
                if (RESPONSE_WORDS.contains(word)) {
                    listing = true;
                } else if (listing && word.equals("n") && !named.isEmpty()) {
                    // "(Response 1 .. Response N)" echoes the prompt's own notation for 1..N.
                    for (int n = named.get(named.size() - 1) + 1; n <= expected; n++) {
                        named.add(n);
                    }
                } else if (!LIST_WORDS.contains(word)) {
                    listing = false;
                }
            } else {
                // "(1-10)" is a scale and "(0.5)" a number, not orders; a bare list uses commas.
                bare &= token.isSeparator();
                listing &= !token.text().equals(":") && !token.text().equals("：") && !token.text().equals("=");
            }
        }
        boolean permutation = numbers.size() == expected && numbers.stream().allMatch(n -> n >= 1 && n <= expected)
                && numbers.stream().distinct().count() == expected;
        return bare && numbers.size() >= 2 && permutation ? numbers : named;
    }

    private static Reject stated(List<Integer> named, int expected) {
        return new Reject("the verdict states the response order " + Texts.show(named.toString()) + ", not 1.."
                + expected);
    }

    private static boolean isNatural(List<Integer> named, int expected) {
        if (named.size() != expected) {
            return false;
        }
        for (int i = 0; i < expected; i++) {
            if (named.get(i) != i + 1) {
                return false;
            }
        }
        return true;
    }

    private static int nextOpening(String text, int from, int end) {
        for (int i = from; i < end; i++) {
            char c = text.charAt(i);
            if (c == '(' || c == '（' || c == '[') {
                return i;
            }
        }
        return -1;
    }

    private static int nextClosing(String text, int from, int end) {
        for (int i = from; i < end; i++) {
            char c = text.charAt(i);
            if (c == ')' || c == '）' || c == ']') {
                return i;
            }
        }
        return -1;
    }

    /** A word, a run of ASCII digits, or one mark; spaces separate tokens and are dropped. */
    private record Token(String text, int number) {

        static List<Token> split(String text) {
            List<Token> tokens = new ArrayList<>();
            int i = 0;
            while (i < text.length()) {
                char c = text.charAt(i);
                int start = i;
                if (c >= '0' && c <= '9') {
                    while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                        i++;
                    }
                    String digits = text.substring(start, i);
                    tokens.add(new Token(digits, digits.length() > 6 ? Integer.MAX_VALUE : Integer.parseInt(digits)));
                } else if (Character.isLetter(c)) {
                    while (i < text.length() && Character.isLetter(text.charAt(i)) && !isCjk(text.charAt(i)) == !isCjk(c)) {
                        i++;
                    }
                    tokens.add(new Token(text.substring(start, i), -1));
                } else {
                    i++;
                    if (!Texts.isSpace(c) && !Texts.isEmphasis(c)) {
                        tokens.add(new Token(String.valueOf(c), -1));
                    }
                }
            }
            return tokens;
        }

        boolean isWord() {
            return number < 0 && Character.isLetter(text.charAt(0));
        }

        boolean isSeparator() {
            return text.equals(",") || text.equals("，") || text.equals("、") || text.equals(";") || text.equals("/")
                    || text.equals(">") || text.equals("→") || text.equals("&");
        }

        boolean isRange() {
            return text.equals("-") || text.equals("–") || text.equals("~") || text.equals("to") || text.equals("至");
        }

        private static boolean isCjk(char c) {
            return Character.UnicodeScript.of(c) == Character.UnicodeScript.HAN;
        }
    }
}
