package dev.grm4j.examples.batch;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads what an interrupted {@code grm score} run wrote, checks it against the input, and says how much
 * of it to keep: the {@link JsonlWriter.Keep} of {@code grm score --resume}.
 *
 * <p><b>Why a prefix.</b> {@code grm score} writes one line per input line, in input order (see
 * {@link OrderedWindow}), each line in one write ({@link JsonlWriter}). So whatever killed a run, the
 * output is the results of the first N input lines, possibly followed by one line cut short. The scan
 * reads it line by line beside the input: output line i must carry the id of input line i (ids are
 * compared as JSON values, so {@code "7"} and {@code 7} differ), and the N lines it keeps are the input
 * lines the resumed run skips. Repeated ids in the input are therefore no problem: each line is its own
 * item, matched by position, and the resumed file has one line per input line like any other run.
 * Lines whose id could not be read (invalid input, {@code "id": null}) match by position too.
 *
 * <p><b>What is dropped.</b> A last line without its newline (a write cut off), and a last complete line
 * that is not valid JSON; their items are scored again. Anything else that does not fit (a broken line
 * before a good one, an id that differs from the input's, more lines than the input has, lines that are
 * not {@code grm score} results) is a {@link MismatchException}, and nothing is cut: the file is not this
 * input's output, or someone edited it, and guessing would lose or reorder results.
 *
 * <p>Reads the input through the same {@link JsonlLines} the run then continues with, so the run picks
 * up at line N + 1 without a second pass. Not thread-safe; one scan per run.
 */
public final class ResumeScan implements JsonlWriter.Keep {

    /** The existing output does not continue this input; the message says where and why. */
    public static final class MismatchException extends IOException {

        private static final long serialVersionUID = 1L;

        MismatchException(String message) {
            super(message);
        }
    }

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();


    private final JsonlLines input;
    private final BenchmarkItem.Parser parser;
    private final RunSummary summary;
    private final String outName;
    private final String inName;
    private int kept;
    private long droppedBytes;
    private boolean scanned;

    /**
     * @param input   the input, at its first line; the scan consumes one line per output line it keeps
     * @param parser  reads each input line's id exactly as the run that wrote the output did
     * @param summary receives the outcome of every kept line
     * @param outName how messages name the output file
     * @param inName  how messages name the input file
     */
    public ResumeScan(JsonlLines input, BenchmarkItem.Parser parser, RunSummary summary, String outName, String inName) {
        this.input = input;
        this.parser = parser;
        this.summary = summary;
        this.outName = outName;
        this.inName = inName;
    }

    @Override
    public long bytes(InputStream existing) throws IOException {
        if (scanned) {
            throw new IllegalStateException("a scan reads its input once");
        }
        scanned = true;
        ByteLines lines = new ByteLines(existing);
        long keep = 0;
        int number = 0;
        int brokenLine = 0;
        long brokenLength = 0;
        for (byte[] line = lines.next(); line != null; line = lines.next()) {
            number++;
            if (brokenLine > 0) {
                throw new MismatchException("line " + brokenLine + " of " + outName + " is not valid JSON, "
                        + "but more lines follow it; only the last line may be broken by an interrupted run");
            }
            JsonNode result = parse(line);
            if (result == null) {
                brokenLine = number;
                brokenLength = line.length + 1L;
                continue;
            }
            match(number, result);
            keep += line.length + 1L;
            kept++;
        }
        droppedBytes = lines.remainder().length + brokenLength;
        return keep;
    }

    /** Output lines kept: the input lines the resumed run skips. */
    public int kept() {
        return kept;
    }

    /** Bytes cut off the end: a line cut short, a broken last line. */
    public long droppedBytes() {
        return droppedBytes;
    }

    private void match(int number, JsonNode result) throws IOException {
        JsonNode id = result.get("id");
        JsonNode outcome = result.get("outcome");
        if (!result.isObject() || id == null || outcome == null || !outcome.isTextual()) {
            throw new MismatchException("line " + number + " of " + outName
                    + " is not a grm score result (it needs an id and an outcome)");
        }
        JsonlLines.Line line = input.next();
        if (line == null) {
            throw new MismatchException(outName + " has more lines than " + inName + " (" + (number - 1)
                    + "): it is not the output of this input");
        }
        JsonNode expected = idOf(line);
        if (!sameId(id, expected)) {
            throw new MismatchException("line " + number + " of " + outName + " has id " + id + ", but line "
                    + number + " of " + inName + " has id " + (expected == null ? "null" : expected.toString())
                    + ": the output is not this input's, or the input changed since");
        }
        summary.recordResumed(number, outcome.asText());
    }

    /** The id the run that wrote the output saw: the same parser, so the same id, or null when unreadable. */
    private JsonNode idOf(JsonlLines.Line line) {
        try {
            return parser.parse(line).id();
        } catch (BenchmarkItem.InvalidItemException e) {
            return e.id();
        }
    }

    /** Equal as JSON values: null and JSON null alike, integers by value whatever their width. */
    static boolean sameId(JsonNode a, JsonNode b) {
        boolean aNull = a == null || a.isNull();
        boolean bNull = b == null || b.isNull();
        if (aNull || bNull) {
            return aNull && bNull;
        }
        if (a.isIntegralNumber() && b.isIntegralNumber()) {
            return a.bigIntegerValue().equals(b.bigIntegerValue());
        }
        return a.isTextual() && b.isTextual() && a.textValue().equals(b.textValue());
    }

    private static JsonNode parse(byte[] line) {
        try {
            JsonNode node = MAPPER.readTree(line);
            return node == null || node.isMissingNode() ? null : node;
        } catch (IOException e) {
            return null;
        }
    }
}
