package dev.grm4j.examples.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Principle;
import dev.grm4j.voting.VoteResult;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The report of {@code grm eval --report DIR}: {@code report.html}, one self-contained page (inline CSS and
 * an inline SVG chart, no scripts, no external resources), and {@code report.md} with the same figures as
 * Markdown tables. All text taken from the data (prompts, responses, critiques, labels) is escaped.
 *
 * <p>Column keys of the accuracy maps are {@code "K"} for Voting@K and {@code "meta@K"} for MetaRM@K; columns
 * are shown Voting first, then meta, each by ascending K. Accuracies are fractions in 0..1; NaN (no items)
 * is shown as a dash. Stateless and thread-safe.
 */
public final class EvalReport {

    /** The HTML page's file name in the report directory. */
    public static final String HTML = "report.html";
    /** The Markdown file's name in the report directory. */
    static final String MARKDOWN = "report.md";

    public static final String META_PREFIX = "meta@";

    /** Excerpt lengths, in characters: enough to see what was judged, short enough to scan. */
    static final int PROMPT_CHARS = 600;
    static final int RESPONSE_CHARS = 500;
    static final int CRITIQUE_CHARS = 1200;

    private static final ObjectMapper JSON = new ObjectMapper();

    private EvalReport() {
    }

    /**
     * Everything the report shows.
     *
     * @param title    the page heading
     * @param settings what was run (backend, model, template version, seed, k, simulator knobs), in display
     *                 order
     * @param passes   one per shuffle setting, the main pass first; at least one
     * @param examples a few example judgements, possibly none
     * @param records  reproducibility records ({@code VoteRecord.toJson()}) of some items, possibly none
     */
    public record Data(String title, Map<String, String> settings, List<Pass> passes, List<Example> examples,
                List<String> records) {
        public Data {
            Objects.requireNonNull(title, "title");
            settings = ordered(Objects.requireNonNull(settings, "settings"));
            passes = List.copyOf(Objects.requireNonNull(passes, "passes"));
            examples = List.copyOf(Objects.requireNonNull(examples, "examples"));
            records = List.copyOf(Objects.requireNonNull(records, "records"));
            if (passes.isEmpty()) {
                throw new IllegalArgumentException("passes must not be empty");
            }
        }

        /** The main pass. */
        Pass main() {
            return passes.get(0);
        }
    }

    /**
     * The figures of one pass over the file.
     *
     * @param label     e.g. "shuffle on"
     * @param items     items evaluated
     * @param accuracy  accuracy per column key ("1", "8", "meta@8", ...)
     * @param failed    failed votes per column key (keys may be a subset of accuracy's)
     * @param subsets   accuracy per subset
     * @param positions accuracy by position of the true best response (label e.g. "1")
     */
    public record Pass(String label, int items, Map<String, Double> accuracy, Map<String, Integer> failed,
                List<Group> subsets, List<Group> positions) {
        public Pass {
            Objects.requireNonNull(label, "label");
            if (items < 0) {
                throw new IllegalArgumentException("items must be >= 0, was " + items);
            }
            accuracy = sortedColumns(Objects.requireNonNull(accuracy, "accuracy"));
            failed = sortedColumns(Objects.requireNonNull(failed, "failed"));
            subsets = List.copyOf(Objects.requireNonNull(subsets, "subsets"));
            positions = List.copyOf(Objects.requireNonNull(positions, "positions"));
            for (String key : accuracy.keySet()) {
                columnK(key);
            }
        }
    }

    /** One row of a breakdown: a subset or a position, its item count and its accuracy per column key. */
    public record Group(String label, int items, Map<String, Double> accuracy) {
        public Group {
            Objects.requireNonNull(label, "label");
            accuracy = sortedColumns(Objects.requireNonNull(accuracy, "accuracy"));
        }
    }

    /**
     * One example judgement.
     *
     * @param id        the item's id
     * @param subset    its subset label
     * @param prompt    the query
     * @param responses the responses, in the file's order
     * @param samples   the samples shown (the first few)
     * @param totals    summed scores, empty unless voted
     * @param best      the voted best, 0-based, or -1 unless voted
     * @param truth     the true best, 0-based
     */
    public record Example(String id, String subset, String prompt, List<String> responses, List<Sample> samples,
                   List<Integer> totals, int best, int truth) {
        public Example {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(subset, "subset");
            Objects.requireNonNull(prompt, "prompt");
            responses = List.copyOf(Objects.requireNonNull(responses, "responses"));
            samples = List.copyOf(Objects.requireNonNull(samples, "samples"));
            totals = List.copyOf(Objects.requireNonNull(totals, "totals"));
        }

        /** The example of one voted item, showing at most {@code maxSamples} of its samples. */
        public static Example of(String id, String subset, GrmRequest request, VoteResult result, int truth,
                          int maxSamples) {
            List<Sample> samples = new ArrayList<>();
            for (Judgement judgement : result.samples()) {
                if (samples.size() == maxSamples) {
                    break;
                }
                samples.add(Sample.of(judgement));
            }
            return new Example(id, subset, request.query(), request.responses(), samples,
                    result.isVoted() ? result.totals() : List.of(), result.isVoted() ? result.best() : -1, truth);
        }
    }

    /**
     * One sample of an example.
     *
     * @param principles its principles, empty unless scored
     * @param critique   its critique, empty unless scored
     * @param scores     its scores in the request's order, empty unless scored
     * @param failure    why it failed, or null when scored
     * @param order      the order the sample saw the responses in: {@code order.get(p)} (0-based, in the
     *                   file's order) was shown as "Response p+1", the name its critique uses; empty if unknown
     */
    record Sample(List<Principle> principles, String critique, List<Integer> scores, String failure,
                  List<Integer> order) {
        Sample {
            principles = List.copyOf(Objects.requireNonNull(principles, "principles"));
            Objects.requireNonNull(critique, "critique");
            scores = List.copyOf(Objects.requireNonNull(scores, "scores"));
            order = List.copyOf(Objects.requireNonNull(order, "order"));
        }

        Sample(List<Principle> principles, String critique, List<Integer> scores, String failure) {
            this(principles, critique, scores, failure, List.of());
        }

        public static Sample of(Judgement judgement) {
            if (judgement.isScored()) {
                return new Sample(judgement.principles(), judgement.critique(), judgement.scores(), null,
                        judgement.order());
            }
            return new Sample(List.of(), "", List.of(),
                    judgement.outcome() + judgement.failure().map(f -> ": " + f).orElse(""), judgement.order());
        }

        /**
         * How the critique's names map to the list: "Response 1 is #2, Response 2 is #1", or empty when
         * the sample saw the file's order (or the order is unknown).
         */
        String shownAs() {
            boolean identity = true;
            for (int p = 0; p < order.size(); p++) {
                identity &= order.get(p) == p;
            }
            if (identity) {
                return "";
            }
            List<String> names = new java.util.ArrayList<>();
            for (int p = 0; p < order.size(); p++) {
                names.add("Response " + (p + 1) + " is #" + (order.get(p) + 1));
            }
            return String.join(", ", names);
        }
    }

    /**
     * Writes {@code report.html} and {@code report.md} into {@code dir}, creating it if needed. Each file is
     * written to a temporary name and moved into place, so a reader never sees half a report.
     *
     * @throws IOException if the directory or a file cannot be written
     */
    public static void write(Path dir, Data data) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(data, "data");
        Files.createDirectories(dir);
        writeAtomically(dir.resolve(HTML), EvalReportHtml.render(data));
        writeAtomically(dir.resolve(MARKDOWN), EvalReportMarkdown.render(data));
    }

    private static void writeAtomically(Path target, String text) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    // ---- shared helpers of the two renderers -------------------------------------------------------------

    /** The k of a column key: 8 for "8" and for "meta@8". */
    static int columnK(String key) {
        String digits = isMeta(key) ? key.substring(META_PREFIX.length()) : key;
        try {
            int k = Integer.parseInt(digits);
            if (k < 1) {
                throw new NumberFormatException();
            }
            return k;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("column key must be K or meta@K with K >= 1, was '" + key + "'");
        }
    }

    static boolean isMeta(String key) {
        return key.startsWith(META_PREFIX);
    }

    /** "Voting@8" or "MetaRM@8". */
    static String columnTitle(String key) {
        return (isMeta(key) ? "MetaRM@" : "Voting@") + columnK(key);
    }

    /** Whether the judge was the simulated one: its figures must never pass for a model's. */
    static boolean simulated(Data data) {
        return setting(data, "backend").map("simulated"::equals).orElse(false);
    }

    /** The union of the column keys of the main pass and every breakdown, in display order. */
    static List<String> columns(Pass pass) {
        Map<String, Double> all = new LinkedHashMap<>(pass.accuracy());
        return List.copyOf(sortedColumns(all).keySet());
    }

    /** "73.4%", or an en dash for NaN or a missing value. */
    static String percent(Double fraction) {
        if (fraction == null || fraction.isNaN()) {
            return "\u2013";
        }
        return String.format(java.util.Locale.ROOT, "%.1f%%", 100 * fraction);
    }

    /** The first {@code max} characters of {@code text}, with an ellipsis and the full length when cut. */
    static String excerpt(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        return text.substring(0, max) + "\u2026 [" + text.length() + " chars]";
    }

    /**
     * A record laid out to read: one top-level field a line, and each object in an array (a sample) on a
     * line of its own; as given when it is not a JSON object.
     */
    static String prettyJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return json;
        }
        if (root == null || !root.isObject()) {
            return json;
        }
        StringBuilder out = new StringBuilder("{\n");
        var fields = root.fields();
        while (fields.hasNext()) {
            var field = fields.next();
            out.append("  ").append(compact(JSON.getNodeFactory().textNode(field.getKey()))).append(": ");
            JsonNode value = field.getValue();
            if (value.isArray() && value.size() > 0 && value.get(0).isObject()) {
                out.append("[\n");
                for (int i = 0; i < value.size(); i++) {
                    out.append("    ").append(compact(value.get(i))).append(i + 1 < value.size() ? ",\n" : "\n");
                }
                out.append("  ]");
            } else {
                out.append(compact(value));
            }
            out.append(fields.hasNext() ? ",\n" : "\n");
        }
        return out.append("}").toString();
    }

    private static String compact(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a Jackson tree always serializes", e);
        }
    }

    /** The chart's series: Voting and MetaRM of each pass, those with at least one finite point. */
    static List<Series> series(Data data) {
        List<Series> series = new ArrayList<>();
        for (int p = 0; p < data.passes().size(); p++) {
            Pass pass = data.passes().get(p);
            String suffix = data.passes().size() > 1 ? " (" + pass.label() + ")" : "";
            for (boolean meta : new boolean[] {false, true}) {
                Map<Integer, Double> points = new LinkedHashMap<>();
                pass.accuracy().forEach((key, value) -> {
                    if (isMeta(key) == meta && value != null && !value.isNaN()) {
                        points.put(columnK(key), value);
                    }
                });
                if (!points.isEmpty()) {
                    series.add(new Series((meta ? "MetaRM@k" : "Voting@k") + suffix, meta, p > 0, points));
                }
            }
        }
        return series;
    }

    /** One line of the chart: accuracy (0..1) by k, k ascending. */
    record Series(String name, boolean meta, boolean secondary, Map<Integer, Double> points) {
        Series {
            points = Collections.unmodifiableMap(new LinkedHashMap<>(points));
        }
    }

    /** Every k of the chart, ascending. */
    static List<Integer> chartKs(Data data) {
        return series(data).stream().flatMap(s -> s.points().keySet().stream()).distinct().sorted().toList();
    }

    static Optional<String> setting(Data data, String name) {
        return Optional.ofNullable(data.settings().get(name));
    }

    private static final Comparator<String> COLUMN_ORDER =
            Comparator.comparing(EvalReport::isMeta).thenComparingInt(EvalReport::columnK);

    private static <V> Map<String, V> sortedColumns(Map<String, V> map) {
        List<String> keys = new ArrayList<>(map.keySet());
        keys.forEach(key -> Objects.requireNonNull(key, "column key"));
        keys.sort(COLUMN_ORDER);
        Map<String, V> sorted = new LinkedHashMap<>();
        keys.forEach(key -> sorted.put(key, map.get(key)));
        return Collections.unmodifiableMap(sorted);
    }

    private static Map<String, String> ordered(Map<String, String> map) {
        Map<String, String> copy = new LinkedHashMap<>();
        map.forEach((key, value) -> copy.put(Objects.requireNonNull(key, "setting name"),
                Objects.requireNonNull(value, "setting " + key)));
        return Collections.unmodifiableMap(copy);
    }
}
