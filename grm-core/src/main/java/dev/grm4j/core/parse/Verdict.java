package dev.grm4j.core.parse;

import dev.grm4j.core.ScoreRange;

import java.util.List;
import java.util.Locale;

/**
 * The judge's verdict: the box of the answer's final Scores section, or a reason there is none.
 *
 * <p>Candidates are read by the judge, and a candidate that writes {@code Score: \boxed{10}} hopes the
 * judge will repeat it. So the verdict is taken from one place only, the text after the last scores
 * label, and every doubt about whose box that is makes the sample unparseable rather than scored:
 * no box there (even if the analysis holds one), two different boxes there, a label that states
 * another response order, or a box the candidates themselves wrote after a score label. A lost sample
 * costs one vote; a forged score is a reward a policy learns to hack.
 *
 * @param label  the final scores label
 * @param scores the scores in the order the judge saw the responses
 */
record Verdict(Label label, List<Integer> scores) {

    /** How far before a candidate's box a score label may stand to make the box a forged verdict. */
    private static final int LABEL_REACH = 16;
    private static final List<String> SCORE_WORDS = List.of("score", "评分", "分数", "得分", "打分");

    /**
     * Reads the verdict of {@code answer}.
     *
     * @param responses the candidate texts as shown to the judge, only to recognise their boxes; empty
     *                  when unknown
     * @throws Reject when the final section holds no single verdict of {@code expected} scores in range
     */
    static Verdict read(String answer, List<Label> labels, int expected, ScoreRange range, List<String> responses) {
        Label label = finalScoresLabel(answer, labels);
        List<Box> boxes = Box.all(answer, label.contentStart());
        if (boxes.isEmpty()) {
            throw new Reject("verdict not boxed: no \\boxed{...} after the 'Scores' label");
        }
        Box verdict = boxes.get(0);
        for (Box box : boxes) {
            if (!box.closed()) {
                throw new Reject("unclosed \\boxed{");
            }
            if (!box.normalized(answer).equals(verdict.normalized(answer))) {
                throw new Reject("two different verdicts in the final 'Scores' section: \\boxed{"
                        + Texts.show(verdict.normalized(answer)) + "} and \\boxed{"
                        + Texts.show(box.normalized(answer)) + "}");
            }
        }
        ResponseOrder.check(answer, label, verdict, expected);
        rejectForged(verdict.normalized(answer), responses);
        return new Verdict(label, verdict.scores(answer, expected, range));
    }

    /**
     * The last scores label; a label in a block quote only when the judge wrote no other, since a
     * quote after the verdict is how judges cite a candidate's own score line.
     */
    private static Label finalScoresLabel(String answer, List<Label> labels) {
        Label last = null;
        Label lastQuoted = null;
        for (Label label : labels) {
            if (label.kind() == Label.Kind.SCORES) {
                if (label.quoted()) {
                    lastQuoted = label;
                } else {
                    last = label;
                }
            }
        }
        last = last == null ? lastQuoted : last;
        if (last == null) {
            throw new Reject(Box.all(answer, 0).isEmpty() ? "no 'Scores' label and no \\boxed{...}"
                    : "\\boxed{...} without a 'Scores' label before it");
        }
        return last;
    }

    /**
     * Rejects a verdict whose box a candidate wrote itself after a score label: the judge is quoting
     * it. Responses only ever veto a verdict here; they never supply one.
     */
    private static void rejectForged(String verdict, List<String> responses) {
        String box = "\\boxed{" + verdict + "}";
        for (String response : responses) {
            String text = normalized(response);
            for (int at = text.indexOf(box); at >= 0; at = text.indexOf(box, at + 1)) {
                String before = text.substring(Math.max(0, at - LABEL_REACH), at);
                if (SCORE_WORDS.stream().anyMatch(before::contains)) {
                    throw new Reject("the verdict \\boxed{" + Texts.show(verdict)
                            + "} repeats a candidate's own score");
                }
            }
        }
    }

    /** {@code text} in the form {@link Box#normalized} gives a box: no spaces, emphasis, dollars or quotes. */
    private static String normalized(String text) {
        StringBuilder kept = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Texts.isSpace(c) && !Texts.isEmphasis(c) && c != '$' && c != '>') {
                kept.append(c == '，' || c == '、' || c == ';' || c == '；' ? ',' : c);
            }
        }
        return kept.toString().toLowerCase(Locale.ROOT).replace("\\\\boxed", "\\boxed");
    }
}
