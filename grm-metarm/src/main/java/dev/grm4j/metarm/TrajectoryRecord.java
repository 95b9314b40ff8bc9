package dev.grm4j.metarm;

import java.io.Writer;
import java.io.Closeable;
import java.util.Map;
import java.util.HashMap;
import java.nio.file.Path;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.CharacterCodingException;
import java.io.Reader;
import java.io.IOException;
import java.io.BufferedReader;
import dev.grm4j.metarm.LogisticMetaRm.MetaRmFormatException;
import dev.grm4j.core.internal.Json;
import dev.grm4j.core.internal.Permutations;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Message;
import dev.grm4j.core.Outcome;
import dev.grm4j.core.Principle;
import dev.grm4j.core.TokenUsage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One sampled judgement of one benchmark item, with its label: a line of a trajectory file, which
 * {@code grm eval --record} writes and meta RM training reads.
 *
 * <p>JSON form (one line; {@code history}, {@code reference} and {@code request_principles} only when
 * present; {@code failure} only for a failed sample):
 * <pre>{@code
 * {"format": "grm4j-trajectory", "version": 1, "item": "llmbar-17", "sample": 3,
 *  "prompt": "...", "responses": ["...", "..."],
 *  "outcome": "SCORED", "principles": [{"text": "Accuracy (60%): ...", "weight": 0.6}, ...],
 *  "critique": "...", "scores": [8, 5], "order": [1, 0], "raw_output": "...",
 *  "best": 0, "label": true}
 * }</pre>
 * {@code scores} are in the request's order, {@code order} is the presentation order
 * ({@link Judgement#order()}), {@code best} the ground-truth best response (null when unknown) and
 * {@code label} paper Eq. 10 (see {@link #label()}; null when it cannot be decided).
 *
 * @param item       the benchmark item's id; all samples of an item share it
 * @param sample     the sample's index within its item, from 0
 * @param request    what was judged
 * @param outcome    what became of the sample
 * @param failure    why it failed; empty for a scored sample
 * @param principles the judge's principles; empty unless scored
 * @param critique   the judge's critique; empty unless scored
 * @param scores     one score per response in the request's order; empty unless scored
 * @param order      the presentation order, a permutation of the response indices
 * @param rawOutput  exactly what the model returned
 * @param best       the index of the truly best response, when known
 */
public record TrajectoryRecord(String item, int sample, GrmRequest request, Outcome outcome, Optional<String> failure,
                               List<Principle> principles, String critique, List<Integer> scores,
                               List<Integer> order, String rawOutput, OptionalInt best) {

    /** The value of the {@code format} field. */
    public static final String FORMAT = "grm4j-trajectory";
    /** The version of the line format this class writes and reads. */
    public static final int VERSION = 1;

    public TrajectoryRecord {
        Objects.requireNonNull(item, "item");
        if (item.isBlank()) {
            throw new IllegalArgumentException("item is blank");
        }
        if (sample < 0) {
            throw new IllegalArgumentException("sample must be >= 0, was " + sample);
        }
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(failure, "failure");
        principles = List.copyOf(principles);
        Objects.requireNonNull(critique, "critique");
        scores = List.copyOf(scores);
        order = List.copyOf(order);
        Objects.requireNonNull(rawOutput, "rawOutput");
        Objects.requireNonNull(best, "best");
        int n = request.size();
        if (!Permutations.isPermutation(order, n)) {
            throw new IllegalArgumentException("order must be a permutation of 0.." + (n - 1) + ", was " + order);
        }
        if (outcome == Outcome.SCORED) {
            if (scores.size() != n) {
                throw new IllegalArgumentException("a scored sample needs " + n + " scores, has " + scores.size());
            }
            if (failure.isPresent()) {
                throw new IllegalArgumentException("a scored sample has no failure, was " + failure.get());
            }
        } else {
            if (!scores.isEmpty()) {
                throw new IllegalArgumentException("a " + outcome + " sample has no scores, was " + scores);
            }
            if (failure.isEmpty() || failure.get().isBlank()) {
                throw new IllegalArgumentException("a " + outcome + " sample needs a failure reason");
            }
        }
        if (best.isPresent() && (best.getAsInt() < 0 || best.getAsInt() >= n)) {
            throw new IllegalArgumentException("best must be in 0.." + (n - 1) + ", was " + best.getAsInt());
        }
    }

    /**
     * The record of {@code judgement}, the {@code sample}-th sample of {@code item}.
     *
     * @throws IllegalArgumentException if the judgement does not fit the request (another number of
     *                                  scores or a wrong presentation order) or {@code best} is out of range
     */
    public static TrajectoryRecord of(String item, int sample, GrmRequest request, Judgement judgement,
                                      OptionalInt best) {
        Objects.requireNonNull(judgement, "judgement");
        boolean scored = judgement.isScored();
        return new TrajectoryRecord(item, sample, request, judgement.outcome(), judgement.failure(),
                judgement.principles(), judgement.critique(), scored ? judgement.scores() : List.of(),
                judgement.order(), judgement.rawOutput(), best);
    }

    /**
     * Paper Eq. 10: whether this sample is correct, that is, gives the truly best response a score
     * strictly higher than every other response's. Empty when the sample is not scored, the best
     * response is unknown, or the request has a single response (its label would be a score, which a
     * preference benchmark does not give).
     */
    public Optional<Boolean> label() {
        if (outcome != Outcome.SCORED || best.isEmpty() || scores.size() < 2) {
            return Optional.empty();
        }
        int truth = best.getAsInt();
        int top = scores.get(truth);
        for (int i = 0; i < scores.size(); i++) {
            if (i != truth && scores.get(i) >= top) {
                return Optional.of(false);
            }
        }
        return Optional.of(true);
    }

    public boolean isScored() {
        return outcome == Outcome.SCORED;
    }

    /**
     * The judgement again, as a meta RM sees it; usage and latency are not recorded and come back as
     * zero, and a backend error's cause is gone (its message is the failure).
     */
    public Judgement judgement() {
        return switch (outcome) {
            case SCORED -> Judgement.scored(principles, critique, scores, rawOutput, order, TokenUsage.ZERO,
                    Duration.ZERO);
            case UNPARSEABLE -> Judgement.unparseable(failure.orElseThrow(), rawOutput, order, TokenUsage.ZERO,
                    Duration.ZERO);
            case TRUNCATED -> truncated();
            case BACKEND_ERROR -> Judgement.backendError(new RecordedFailure(failure.orElseThrow()), order,
                    Duration.ZERO);
        };
    }

    /** A truncated judgement with the recorded budget, or an unparseable one when the reason does not say it. */
    private Judgement truncated() {
        java.util.regex.Matcher budget = java.util.regex.Pattern.compile("maxOutputTokens (\\d{1,9})")
                .matcher(failure.orElseThrow());
        if (budget.find() && Integer.parseInt(budget.group(1)) > 0) {
            return Judgement.truncated(rawOutput, order, TokenUsage.ZERO, Duration.ZERO,
                    Integer.parseInt(budget.group(1)));
        }
        return Judgement.unparseable(failure.orElseThrow(), rawOutput, order, TokenUsage.ZERO, Duration.ZERO);
    }

    /** One line of JSON, without the line break. */
    public String toJson() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("item", item);
        root.put("sample", sample);
        List<Message> conversation = request.conversation();
        if (conversation.size() > 1) {
            ArrayNode history = root.putArray("history");
            for (Message message : conversation.subList(0, conversation.size() - 1)) {
                history.addObject().put("role", message.role().name().toLowerCase(Locale.ROOT))
                        .put("content", message.content());
            }
        }
        root.put("prompt", request.query());
        ArrayNode responses = root.putArray("responses");
        request.responses().forEach(responses::add);
        request.reference().ifPresent(reference -> root.put("reference", reference));
        if (!request.principles().isEmpty()) {
            writePrinciples(root.putArray("request_principles"), request.principles());
        }
        root.put("outcome", outcome.name());
        failure.ifPresent(reason -> root.put("failure", reason));
        writePrinciples(root.putArray("principles"), principles);
        root.put("critique", critique);
        ArrayNode scoreArray = root.putArray("scores");
        scores.forEach(scoreArray::add);
        ArrayNode orderArray = root.putArray("order");
        order.forEach(orderArray::add);
        root.put("raw_output", rawOutput);
        if (best.isPresent()) {
            root.put("best", best.getAsInt());
        } else {
            root.putNull("best");
        }
        Optional<Boolean> label = label();
        if (label.isPresent()) {
            root.put("label", label.get());
        } else {
            root.putNull("label");
        }
        try {
            return Json.MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values always serializes", e);
        }
    }

    /**
     * Reads one line written by {@link #toJson()}.
     *
     * @param line   the JSON text
     * @param number the 1-based line number, for the message
     * @throws MetaRmFormatException starting with "line N: " and naming the field at fault
     */
    public static TrajectoryRecord fromJson(String line, int number) {
        Objects.requireNonNull(line, "line");
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new MetaRmFormatException(number, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new MetaRmFormatException(number, "expected a JSON object", null);
        }
        try {
            return read(root, number);
        } catch (IllegalArgumentException e) {
            throw new MetaRmFormatException(number, e.getMessage(), e);
        }
    }

    private static TrajectoryRecord read(JsonNode root, int number) {
        String format = text(root, "format");
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("format: expected \"" + FORMAT + "\", was \"" + format + "\"");
        }
        int version = integer(root, "version");
        if (version != VERSION) {
            throw new IllegalArgumentException("version: this reader knows version " + VERSION + ", was " + version);
        }
        String item = text(root, "item");
        int sample = integer(root, "sample");
        List<Message> conversation = new ArrayList<>();
        JsonNode history = root.get("history");
        if (history != null && !history.isNull()) {
            if (!history.isArray()) {
                throw new IllegalArgumentException("history: expected an array of {role, content}");
            }
            for (JsonNode turn : history) {
                String role = text(turn, "role");
                Message.Role parsed;
                try {
                    parsed = Message.Role.valueOf(role.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("history: unknown role '" + role + "'");
                }
                conversation.add(new Message(parsed, text(turn, "content")));
            }
        }
        conversation.add(Message.user(text(root, "prompt")));
        GrmRequest.Builder request = GrmRequest.builder().conversation(conversation)
                .responses(strings(root, "responses"));
        JsonNode reference = root.get("reference");
        if (reference != null && !reference.isNull()) {
            request.reference(text(root, "reference"));
        }
        if (root.hasNonNull("request_principles")) {
            request.principles(principles(root, "request_principles"));
        }
        String outcomeName = text(root, "outcome");
        Outcome outcome;
        try {
            outcome = Outcome.valueOf(outcomeName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("outcome: unknown outcome '" + outcomeName + "'");
        }
        Optional<String> failure = root.hasNonNull("failure") ? Optional.of(text(root, "failure")) : Optional.empty();
        OptionalInt best = root.hasNonNull("best") ? OptionalInt.of(integer(root, "best")) : OptionalInt.empty();
        TrajectoryRecord record = new TrajectoryRecord(item, sample, request.build(), outcome, failure,
                principles(root, "principles"), text(root, "critique"), integers(root, "scores"),
                integers(root, "order"), text(root, "raw_output"), best);
        JsonNode label = root.get("label");
        if (label != null && !label.isNull()) {
            if (!label.isBoolean()) {
                throw new IllegalArgumentException("label: expected true, false or null");
            }
            if (!record.label().equals(Optional.of(label.booleanValue()))) {
                throw new IllegalArgumentException("label: " + label.booleanValue() + " contradicts scores "
                        + record.scores() + " and best " + (best.isPresent() ? best.getAsInt() : "null")
                        + " (paper Eq. 10 gives " + record.label().map(String::valueOf).orElse("no label") + ")");
            }
        }
        return record;
    }

    private static void writePrinciples(ArrayNode array, List<Principle> principles) {
        for (Principle principle : principles) {
            array.addObject().put("text", principle.text()).put("weight", principle.weight());
        }
    }

    private static JsonNode field(JsonNode node, String name) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException(name + ": missing");
        }
        return value;
    }

    private static String text(JsonNode node, String name) {
        JsonNode value = field(node, name);
        if (!value.isTextual()) {
            throw new IllegalArgumentException(name + ": expected a string, found " + value.getNodeType());
        }
        return value.asText();
    }

    private static int integer(JsonNode node, String name) {
        JsonNode value = field(node, name);
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new IllegalArgumentException(name + ": expected an integer, found " + value);
        }
        return value.intValue();
    }

    private static List<String> strings(JsonNode node, String name) {
        JsonNode value = field(node, name);
        if (!value.isArray()) {
            throw new IllegalArgumentException(name + ": expected an array of strings");
        }
        List<String> list = new ArrayList<>();
        for (JsonNode element : value) {
            if (!element.isTextual()) {
                throw new IllegalArgumentException(name + ": expected an array of strings, found " + element);
            }
            list.add(element.asText());
        }
        return list;
    }

    private static List<Integer> integers(JsonNode node, String name) {
        JsonNode value = field(node, name);
        if (!value.isArray()) {
            throw new IllegalArgumentException(name + ": expected an array of integers");
        }
        List<Integer> list = new ArrayList<>();
        for (JsonNode element : value) {
            if (!element.isIntegralNumber() || !element.canConvertToInt()) {
                throw new IllegalArgumentException(name + ": expected an array of integers, found " + element);
            }
            list.add(element.intValue());
        }
        return list;
    }

    private static List<Principle> principles(JsonNode node, String name) {
        JsonNode value = field(node, name);
        if (!value.isArray()) {
            throw new IllegalArgumentException(name + ": expected an array of {text, weight}");
        }
        List<Principle> list = new ArrayList<>();
        for (JsonNode element : value) {
            JsonNode weight = field(element, "weight");
            if (!weight.isNumber()) {
                throw new IllegalArgumentException(name + ": weight must be a number, found " + weight);
            }
            list.add(new Principle(text(element, "text"), weight.doubleValue()));
        }
        return list;
    }

    /** Stands in for a backend error's lost cause; its message is the recorded failure. */
    private static final class RecordedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RecordedFailure(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Reads trajectory files written by {@link TrajectoryWriter}. Blank lines are skipped; any other line
     * that is not a valid {@link TrajectoryRecord} stops the read with a {@link MetaRmFormatException}
     * whose message starts with {@code "line N: "}.
     */
    public static final class TrajectoryReader {

        private TrajectoryReader() {
        }

        /**
         * Every record of a UTF-8 trajectory file, in file order. The samples of one item share one
         * {@link GrmRequest} instance, so a file with long prompts costs its text only once per item.
         *
         * @throws MetaRmFormatException naming the first bad line ("line 7: not valid JSON: ...") or bytes that
         *                               are not UTF-8
         * @throws IOException           if the file cannot be read
         */
        public static List<TrajectoryRecord> readAll(Path path) throws IOException {
            Objects.requireNonNull(path, "path");
            try (Reader reader = new java.io.InputStreamReader(Files.newInputStream(path),
                    StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT))) {
                return readAll(reader);
            }
        }

        /**
         * Every record read from {@code reader}, which is not closed.
         *
         * @throws MetaRmFormatException naming the first bad line
         * @throws IOException           if reading fails
         */
        public static List<TrajectoryRecord> readAll(Reader reader) throws IOException {
            Objects.requireNonNull(reader, "reader");
            BufferedReader lines = reader instanceof BufferedReader buffered ? buffered : new BufferedReader(reader);
            List<TrajectoryRecord> records = new ArrayList<>();
            Map<String, GrmRequest> requests = new HashMap<>();
            int number = 0;
            while (true) {
                String line;
                try {
                    line = lines.readLine();
                } catch (CharacterCodingException e) {
                    throw new MetaRmFormatException(number + 1, "not valid UTF-8 text", e);
                }
                if (line == null) {
                    return records;
                }
                number++;
                if (number == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                TrajectoryRecord record = TrajectoryRecord.fromJson(line, number);
                GrmRequest shared = requests.get(record.item());
                if (record.request().equals(shared)) {
                    record = new TrajectoryRecord(record.item(), record.sample(), shared, record.outcome(),
                            record.failure(), record.principles(), record.critique(), record.scores(), record.order(),
                            record.rawOutput(), record.best());
                } else {
                    requests.put(record.item(), record.request());
                }
                records.add(record);
            }
        }
    }

    /**
     * Writes a trajectory file: one {@link TrajectoryRecord} JSON line per sampled judgement, UTF-8. Each
     * item's lines are written together and flushed, so a reader (or a crash) sees whole items.
     * Thread-safe: items voted concurrently may be written from any thread, whole items never interleave.
     *
     * <pre>{@code
     * try (TrajectoryWriter trajectories = TrajectoryWriter.create(Path.of("run.trajectories.jsonl"))) {
     *     VoteResult result = voting.vote(request);
     *     trajectories.write("item-17", request, result.samples(), OptionalInt.of(best));
     * }
     * }</pre>
     */
    public static final class TrajectoryWriter implements Closeable {

        private final Writer writer;
        private long lines;

        private TrajectoryWriter(Writer writer) {
            this.writer = writer;
        }

        /**
         * Creates or truncates {@code path}.
         *
         * @throws IOException if the file cannot be opened for writing
         */
        public static TrajectoryWriter create(Path path) throws IOException {
            Objects.requireNonNull(path, "path");
            return new TrajectoryWriter(Files.newBufferedWriter(path, StandardCharsets.UTF_8));
        }

        /** Writes to {@code writer}, which {@link #close()} closes. */
        public static TrajectoryWriter of(Writer writer) {
            return new TrajectoryWriter(Objects.requireNonNull(writer, "writer"));
        }

        /**
         * Writes every sample of one item, one line each, {@code sample} being the index in {@code samples}
         * (failed samples included, so the file says what failed), then flushes.
         *
         * @param item    the item's id, not blank
         * @param request what the samples judged
         * @param samples the sampled judgements, e.g. {@code VoteResult.samples()}
         * @param best    the truly best response, when known: it gives each sample its Eq. 10 label
         * @throws IllegalArgumentException if a sample does not fit the request or {@code best} is out of
         *                                  range; nothing of the item is written then
         * @throws IOException              if writing fails
         */
        public void write(String item, GrmRequest request, List<Judgement> samples, OptionalInt best) throws IOException {
            Objects.requireNonNull(samples, "samples");
            List<String> json = new ArrayList<>(samples.size());
            for (int i = 0; i < samples.size(); i++) {
                json.add(TrajectoryRecord.of(item, i, request, samples.get(i), best).toJson());
            }
            writeLines(json);
        }

        /** Writes one record and flushes. */
        public void write(TrajectoryRecord record) throws IOException {
            writeLines(List.of(Objects.requireNonNull(record, "record").toJson()));
        }

        /** Lines written so far. */
        public synchronized long lines() {
            return lines;
        }

        private synchronized void writeLines(List<String> json) throws IOException {
            for (String line : json) {
                writer.write(line);
                writer.write('\n');
            }
            writer.flush();
            lines += json.size();
        }

        @Override
        public synchronized void close() throws IOException {
            writer.close();
        }
    }
}
