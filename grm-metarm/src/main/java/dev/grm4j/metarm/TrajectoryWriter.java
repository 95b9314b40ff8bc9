package dev.grm4j.metarm;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;

import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

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
public final class TrajectoryWriter implements Closeable {

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
