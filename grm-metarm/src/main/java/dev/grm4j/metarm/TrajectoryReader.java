package dev.grm4j.metarm;

import dev.grm4j.core.GrmRequest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads trajectory files written by {@link TrajectoryWriter}. Blank lines are skipped; any other line
 * that is not a valid {@link TrajectoryRecord} stops the read with a {@link MetaRmFormatException}
 * whose message starts with {@code "line N: "}.
 */
public final class TrajectoryReader {

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
