package dev.grm4j.examples.batch;

import dev.grm4j.core.Outcome;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Counts what became of each line, for the one-line summary and the exit code. Not thread-safe. */
public final class RunSummary {

    /** Line numbers listed per outcome; the rest are counted, so a bad large file gives a short summary. */
    private static final int LINES_LISTED = 10;

    private final Map<String, List<Integer>> failedLines = new LinkedHashMap<>();
    private final Map<String, Integer> failedCounts = new LinkedHashMap<>();
    private int lines;
    private int scored;
    private int resumed;

    public RunSummary() {
        // A fixed order, so summaries of different runs read alike.
        for (String outcome : List.of(ItemResult.INVALID_INPUT, Outcome.UNPARSEABLE.name(), Outcome.TRUNCATED.name(),
                Outcome.BACKEND_ERROR.name())) {
            failedLines.put(outcome, new ArrayList<>());
            failedCounts.put(outcome, 0);
        }
    }

    public void record(ItemResult result) {
        record(result.line(), result.outcome());
    }

    /**
     * Counts a line already in the output when a resumed run started, so that the summary and the exit
     * code speak for the whole file, not only for the lines this run wrote.
     */
    void recordResumed(int line, String outcome) {
        record(line, outcome);
        resumed++;
    }

    private void record(int line, String outcome) {
        lines++;
        if (outcome.equals(Outcome.SCORED.name())) {
            scored++;
            return;
        }
        failedCounts.merge(outcome, 1, Integer::sum);
        List<Integer> listed = failedLines.computeIfAbsent(outcome, key -> new ArrayList<>());
        if (listed.size() < LINES_LISTED) {
            listed.add(line);
        }
    }

    public boolean allScored() {
        return scored == lines;
    }

    public int lines() {
        return lines;
    }

    int scored() {
        return scored;
    }

    /** Lines that were already in the output when this run started (resumed runs only). */
    public int resumed() {
        return resumed;
    }

    /**
     * For example {@code scored 5 of 7 lines (1 invalid input: line 3; 1 unparseable: line 6)}, or
     * {@code scored 7 of 7 lines (resumed after line 4)} when the first 4 came from an earlier run.
     */
    public String describe() {
        String head = "scored " + scored + " of " + lines + (lines == 1 ? " line" : " lines");
        List<String> parts = new ArrayList<>();
        if (resumed > 0) {
            parts.add("resumed after line " + resumed);
        }
        failedCounts.forEach((outcome, count) -> {
            if (count > 0) {
                parts.add(count + " " + outcome.toLowerCase(Locale.ROOT).replace('_', ' ') + ": "
                        + lineList(failedLines.get(outcome), count));
            }
        });
        return parts.isEmpty() ? head : head + " (" + String.join("; ", parts) + ")";
    }

    private static String lineList(List<Integer> listed, int count) {
        String numbers = listed.stream().map(String::valueOf).collect(Collectors.joining(", "));
        String more = count > listed.size() ? " and " + (count - listed.size()) + " more" : "";
        return (count == 1 ? "line " : "lines ") + numbers + more;
    }
}
