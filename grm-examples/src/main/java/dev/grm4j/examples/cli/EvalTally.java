package dev.grm4j.examples.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The counts of one {@code grm eval} pass: per k, how many items were right overall, per subset and per
 * position of the true best response, and how many votes failed. Memory is one row per subset and
 * position, whatever the file's size. Thread-safe: items finish on the voting model's threads.
 */
final class EvalTally {

    /** What Voting@k made of one item. */
    enum Verdict { CORRECT, WRONG, FAILED }

    /** Skipped lines listed by number; the rest are counted, so a bad large file gives a short report. */
    private static final int LINES_LISTED = 10;

    private final List<Integer> ks;
    private final Row overall;
    private final Map<String, Row> subsets = new TreeMap<>();
    private final Map<Integer, Row> positions = new TreeMap<>();
    private final int[] failed;
    private final List<String> skippedReasons = new ArrayList<>();
    private int skipped;
    private long samplesRun;
    private long samplesValid;

    /** @param ks the k values, ascending, as the verdicts of {@link #add} list them */
    EvalTally(List<Integer> ks) {
        this.ks = List.copyOf(ks);
        this.overall = new Row(ks.size());
        this.failed = new int[ks.size()];
    }

    /**
     * Counts one item.
     *
     * @param subset   its subset label
     * @param best     the index of its true best response, 0-based, in the file's order
     * @param verdicts one per k, in the order of {@link #ks()}
     * @param run      samples run for it (at the largest k)
     * @param valid    of those, samples that were scored
     */
    synchronized void add(String subset, int best, List<Verdict> verdicts, int run, int valid) {
        if (verdicts.size() != ks.size()) {
            throw new IllegalArgumentException("expected " + ks.size() + " verdicts, got " + verdicts.size());
        }
        overall.add(verdicts);
        subsets.computeIfAbsent(subset, key -> new Row(ks.size())).add(verdicts);
        positions.computeIfAbsent(best + 1, key -> new Row(ks.size())).add(verdicts);
        for (int i = 0; i < verdicts.size(); i++) {
            if (verdicts.get(i) == Verdict.FAILED) {
                failed[i]++;
            }
        }
        samplesRun += run;
        samplesValid += valid;
    }

    /** Notes a line that could not be evaluated (invalid, or no ground truth). */
    synchronized void skip(String reason) {
        skipped++;
        if (skippedReasons.size() < LINES_LISTED) {
            skippedReasons.add(reason);
        }
    }

    List<Integer> ks() {
        return ks;
    }

    synchronized int items() {
        return overall.items;
    }

    synchronized int skipped() {
        return skipped;
    }

    /** The share of items Voting@ks().get(index) got right, failed votes counted wrong; NaN with no items. */
    synchronized double accuracy(int index) {
        return overall.accuracy(index);
    }

    /** Votes that failed (no quorum, invalid request) at ks().get(index). */
    synchronized int failed(int index) {
        return failed[index];
    }

    /** The report of this pass, one line per element, headed by {@code title}. */
    synchronized List<String> table(String title) {
        List<String> labels = new ArrayList<>(List.of("overall", "failed votes (counted wrong)"));
        subsets.keySet().forEach(subset -> labels.add("  " + subset));
        positions.keySet().forEach(position -> labels.add("  best is response " + position));
        int width = labels.stream().mapToInt(String::length).max().orElse(0) + 2;

        List<String> lines = new ArrayList<>();
        lines.add(title);
        StringBuilder header = new StringBuilder(pad("", width)).append(String.format(Locale.ROOT, "%7s", "items"));
        ks.forEach(k -> header.append(String.format(Locale.ROOT, "%11s", "Voting@" + k)));
        lines.add(header.toString());
        lines.add(row(width, "overall", overall));
        lines.add("by subset:");
        subsets.forEach((subset, row) -> lines.add(row(width, "  " + subset, row)));
        lines.add("by position of the true best response in the file (the judge sees it there when unshuffled):");
        positions.forEach((position, row) -> lines.add(row(width, "  best is response " + position, row)));
        StringBuilder failures = new StringBuilder(pad("failed votes (counted wrong)", width))
                .append(String.format(Locale.ROOT, "%7s", ""));
        for (int count : failed) {
            failures.append(String.format(Locale.ROOT, "%11d", count));
        }
        lines.add(failures.toString());
        lines.add(String.format(Locale.ROOT, "samples: %d run, %d valid (%.1f%%)", samplesRun, samplesValid,
                samplesRun == 0 ? 0.0 : 100.0 * samplesValid / samplesRun));
        if (skipped > 0) {
            lines.add("skipped " + skipped + (skipped == 1 ? " line: " : " lines: ")
                    + String.join("; ", skippedReasons) + (skipped > skippedReasons.size() ? "; ..." : ""));
        }
        return lines;
    }

    private String row(int width, String label, Row row) {
        StringBuilder line = new StringBuilder(pad(label, width))
                .append(String.format(Locale.ROOT, "%7d", row.items));
        for (int i = 0; i < ks.size(); i++) {
            line.append(String.format(Locale.ROOT, "%10.1f%%", 100 * row.accuracy(i)));
        }
        return line.toString();
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(Math.max(0, width - text.length()));
    }

    /** Items and correct answers per k of one group. Guarded by the tally's lock. */
    private static final class Row {
        private final int[] correct;
        private int items;

        Row(int ks) {
            this.correct = new int[ks];
        }

        void add(List<Verdict> verdicts) {
            items++;
            for (int i = 0; i < verdicts.size(); i++) {
                if (verdicts.get(i) == Verdict.CORRECT) {
                    correct[i]++;
                }
            }
        }

        double accuracy(int index) {
            return items == 0 ? Double.NaN : correct[index] / (double) items;
        }
    }
}
