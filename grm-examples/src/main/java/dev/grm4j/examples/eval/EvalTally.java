package dev.grm4j.examples.eval;

import dev.grm4j.core.TokenUsage;
import dev.grm4j.examples.report.EvalReport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The counts of one {@code grm eval} pass: per k, how many items were right overall, per subset and per
 * position of the true best response, and how many votes failed; with a meta RM, the same for MetaRM@k
 * beside Voting@k (one column each). Memory is one row per subset and position, whatever the file's
 * size. Thread-safe: items finish on the voting model's threads.
 */
final class EvalTally {

    /** What Voting@k made of one item. */
    enum Verdict { CORRECT, WRONG, FAILED }

    /** Skipped lines listed by number; the rest are counted, so a bad large file gives a short report. */
    private static final int LINES_LISTED = 10;

    private final List<Integer> ks;
    private final boolean meta;
    private final Row overall;
    private final Map<String, Row> subsets = new TreeMap<>();
    private final Map<Integer, Row> positions = new TreeMap<>();
    private final int[] failed;
    private final int[] metaFallbacks;
    private final List<String> skippedReasons = new ArrayList<>();
    private int skipped;
    private int backendFailures;
    private long samplesRun;
    private long samplesValid;
    private TokenUsage tokens = TokenUsage.ZERO;

    /** @param ks the k values, ascending, as the verdicts of {@link #add} list them */
    EvalTally(List<Integer> ks) {
        this(ks, false);
    }

    /**
     * @param ks   the k values, ascending, as the verdicts of {@link #add} list them
     * @param meta whether MetaRM@k is counted beside Voting@k
     */
    EvalTally(List<Integer> ks, boolean meta) {
        this.ks = List.copyOf(ks);
        this.meta = meta;
        this.overall = new Row(columns());
        this.failed = new int[columns()];
        this.metaFallbacks = new int[ks.size()];
    }

    /**
     * Counts one item without a meta RM.
     *
     * @param subset   its subset label
     * @param best     the index of its true best response, 0-based, in the file's order
     * @param verdicts one per k, in the order of {@link #ks()}
     * @param run      samples run for it (at the largest k)
     * @param valid    of those, samples that were scored
     */
    void add(String subset, int best, List<Verdict> verdicts, int run, int valid) {
        add(subset, best, new Verdicts(verdicts, List.of(), List.of()), run, valid, TokenUsage.ZERO);
    }

    /**
     * Counts one item.
     *
     * @param subset   its subset label
     * @param best     the index of its true best response, 0-based, in the file's order
     * @param verdicts Voting@k and, with a meta RM, MetaRM@k of each k
     * @param run      samples run for it (at the largest k)
     * @param valid    of those, samples that were scored
     * @param usage    the tokens its judge calls took
     */
    synchronized void add(String subset, int best, Verdicts verdicts, int run, int valid, TokenUsage usage) {
        if (verdicts.plain().size() != ks.size()) {
            throw new IllegalArgumentException("expected " + ks.size() + " verdicts, got " + verdicts.plain().size());
        }
        if (verdicts.meta().size() != (meta ? ks.size() : 0)) {
            throw new IllegalArgumentException("expected " + (meta ? ks.size() : 0) + " meta verdicts, got "
                    + verdicts.meta().size());
        }
        List<Verdict> row = new ArrayList<>(columns());
        for (int i = 0; i < ks.size(); i++) {
            row.add(verdicts.plain().get(i));
            if (meta) {
                row.add(verdicts.meta().get(i));
                if (verdicts.metaFellBack().get(i)) {
                    metaFallbacks[i]++;
                }
            }
        }
        overall.add(row, run);
        subsets.computeIfAbsent(subset, key -> new Row(columns())).add(row, run);
        positions.computeIfAbsent(best + 1, key -> new Row(columns())).add(row, run);
        for (int i = 0; i < row.size(); i++) {
            if (row.get(i) == Verdict.FAILED) {
                failed[i]++;
            }
        }
        samplesRun += run;
        samplesValid += valid;
        tokens = tokens.plus(usage);
    }

    /**
     * What Voting@k, and MetaRM@k when a meta RM was given, made of one item, one entry per k.
     *
     * @param plain        Voting@k
     * @param meta         MetaRM@k, empty without a meta RM
     * @param metaFellBack per k, whether the meta RM failed and the plain vote decided (empty without one)
     */
    record Verdicts(List<Verdict> plain, List<Verdict> meta, List<Boolean> metaFellBack) {
        Verdicts {
            plain = List.copyOf(plain);
            meta = List.copyOf(meta);
            metaFellBack = List.copyOf(metaFellBack);
            if (meta.size() != metaFellBack.size()) {
                throw new IllegalArgumentException("one fallback flag per meta verdict: " + meta.size() + " vs "
                        + metaFellBack.size());
            }
        }
    }

    private int columns() {
        return meta ? 2 * ks.size() : ks.size();
    }

    /** Notes a line that could not be evaluated (invalid, or no ground truth). */
    synchronized void skip(String reason) {
        skipped++;
        if (skippedReasons.size() < LINES_LISTED) {
            skippedReasons.add(reason);
        }
    }

    /** Notes an item whose vote failed at some k while the judge's backend failed some of its samples. */
    synchronized void backendFailure() {
        backendFailures++;
    }

    /**
     * Items whose vote failed at some k with backend errors among its samples: the judge was not there
     * for them (unreachable, overloaded, too slow for the deadline), so their accuracy says nothing of it.
     */
    synchronized int backendFailures() {
        return backendFailures;
    }

    List<Integer> ks() {
        return ks;
    }

    /** Mean samples run per item counted (at the largest k): what adaptive stopping saves shows here. */
    synchronized double samplesPerItem() {
        return overall.samplesPerItem();
    }

    synchronized int items() {
        return overall.items;
    }

    synchronized int skipped() {
        return skipped;
    }

    /** Whether MetaRM@k is counted. */
    boolean meta() {
        return meta;
    }

    /** The share of items Voting@ks().get(index) got right, failed votes counted wrong; NaN with no items. */
    synchronized double accuracy(int index) {
        return overall.accuracy(meta ? 2 * index : index);
    }

    /**
     * The share of items MetaRM@ks().get(index) got right, failed votes counted wrong; NaN with no items.
     *
     * @throws IllegalStateException without a meta RM
     */
    synchronized double metaAccuracy(int index) {
        if (!meta) {
            throw new IllegalStateException("no meta RM in this pass");
        }
        return overall.accuracy(2 * index + 1);
    }

    /** Votes that failed (no quorum, invalid request) at ks().get(index). */
    synchronized int failed(int index) {
        return failed[meta ? 2 * index : index];
    }

    /** Items whose MetaRM@ks().get(index) fell back to the plain vote because the meta RM failed. */
    synchronized int metaFallbacks(int index) {
        return metaFallbacks[index];
    }

    /** The tokens of every judge call of this pass. */
    synchronized TokenUsage tokens() {
        return tokens;
    }

    /**
     * The figures of this pass for {@code grm eval --report}: accuracy and failed votes per column key
     * ({@code "K"} for Voting@K, {@code "meta@K"} for MetaRM@K when a meta RM was counted), and the same
     * accuracy per subset and per position of the true best response (labelled 1-based, "1", "2", ...).
     *
     * @param label e.g. "shuffle on"
     */
    synchronized EvalReport.Pass reportPass(String label) {
        Map<String, Integer> failures = new LinkedHashMap<>();
        for (int i = 0; i < failed.length; i++) {
            failures.put(columnKey(i), failed[i]);
        }
        List<EvalReport.Group> bySubset = new ArrayList<>();
        subsets.forEach((subset, row) -> bySubset.add(new EvalReport.Group(subset, row.items, accuracies(row))));
        List<EvalReport.Group> byPosition = new ArrayList<>();
        positions.forEach((position, row) ->
                byPosition.add(new EvalReport.Group(Integer.toString(position), row.items, accuracies(row))));
        return new EvalReport.Pass(label, overall.items, accuracies(overall), failures, bySubset, byPosition);
    }

    /** The report's key of column {@code index} of a row: "K", or "meta@K" for the meta column of K. */
    private String columnKey(int index) {
        if (!meta) {
            return Integer.toString(ks.get(index));
        }
        String k = Integer.toString(ks.get(index / 2));
        return index % 2 == 0 ? k : EvalReport.META_PREFIX + k;
    }

    private Map<String, Double> accuracies(Row row) {
        Map<String, Double> accuracy = new LinkedHashMap<>();
        for (int i = 0; i < columns(); i++) {
            accuracy.put(columnKey(i), row.accuracy(i));
        }
        return accuracy;
    }

    /** The report of this pass, one line per element, headed by {@code title}. */
    synchronized List<String> table(String title) {
        List<String> labels = new ArrayList<>(List.of("overall", "failed votes (counted wrong)"));
        if (meta) {
            labels.add("meta RM failed, plain vote used");
        }
        subsets.keySet().forEach(subset -> labels.add("  " + subset));
        positions.keySet().forEach(position -> labels.add("  best is response " + position));
        int width = labels.stream().mapToInt(String::length).max().orElse(0) + 2;

        List<String> lines = new ArrayList<>();
        lines.add(title);
        StringBuilder header = new StringBuilder(pad("", width)).append(String.format(Locale.ROOT, "%7s", "items"));
        ks.forEach(k -> {
            header.append(String.format(Locale.ROOT, "%11s", "Voting@" + k));
            if (meta) {
                header.append(String.format(Locale.ROOT, "%11s", "MetaRM@" + k));
            }
        });
        // Mean samples run per item at the largest k: below k where adaptive stopping saved some.
        header.append(String.format(Locale.ROOT, "%11s", "samples"));
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
        if (meta) {
            StringBuilder fallbacks = new StringBuilder(pad("meta RM failed, plain vote used", width))
                    .append(String.format(Locale.ROOT, "%7s", ""));
            for (int count : metaFallbacks) {
                fallbacks.append(String.format(Locale.ROOT, "%11s%11d", "", count));
            }
            lines.add(fallbacks.toString());
        }
        lines.add(String.format(Locale.ROOT, "samples: %d run, %d valid (%s)", samplesRun, samplesValid,
                percent(samplesRun == 0 ? Double.NaN : samplesValid / (double) samplesRun)));
        if (backendFailures > 0) {
            lines.add(backendFailures + (backendFailures == 1 ? " item's vote" : " items' votes")
                    + " failed for backend errors (see the samples' failures): the judge did not answer them");
        }
        if (skipped > 0) {
            lines.add("skipped " + skipped + (skipped == 1 ? " line: " : " lines: ")
                    + String.join("; ", skippedReasons) + (skipped > skippedReasons.size() ? "; ..." : ""));
        }
        return lines;
    }

    private String row(int width, String label, Row row) {
        StringBuilder line = new StringBuilder(pad(label, width))
                .append(String.format(Locale.ROOT, "%7d", row.items));
        for (int i = 0; i < columns(); i++) {
            line.append(String.format(Locale.ROOT, "%11s", percent(row.accuracy(i))));
        }
        return line.append(String.format(Locale.ROOT, "%11.1f", row.samplesPerItem())).toString();
    }

    /** "73.4%", or "-" for a share of nothing (NaN): a table never shows NaN. */
    static String percent(double fraction) {
        return Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * fraction);
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(Math.max(0, width - text.length()));
    }

    /** Items and correct answers per k of one group. Guarded by the tally's lock. */
    private static final class Row {
        private final int[] correct;
        private int items;
        private long samples;

        Row(int ks) {
            this.correct = new int[ks];
        }

        void add(List<Verdict> verdicts, int run) {
            items++;
            samples += run;
            for (int i = 0; i < verdicts.size(); i++) {
                if (verdicts.get(i) == Verdict.CORRECT) {
                    correct[i]++;
                }
            }
        }

        double accuracy(int index) {
            return items == 0 ? Double.NaN : correct[index] / (double) items;
        }

        double samplesPerItem() {
            return items == 0 ? 0 : samples / (double) items;
        }
    }
}
