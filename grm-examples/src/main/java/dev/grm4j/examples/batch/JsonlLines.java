package dev.grm4j.examples.batch;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a JSON Lines file one line at a time, holding only the current line.
 *
 * <p>Lines are split on {@code \n} (a trailing {@code \r} is dropped) and decoded as UTF-8 one by one, so
 * a line of bad bytes is reported as that line instead of ending the run, and no line is ever skipped.
 * A byte-order mark at the start of the file is ignored. Not thread-safe.
 */
public final class JsonlLines implements Closeable {

    /**
     * @param number    1-based line number
     * @param text      the decoded text; bad bytes are replaced when {@code validUtf8} is false
     * @param validUtf8 whether the line's bytes were valid UTF-8
     */
    public record Line(int number, String text, boolean validUtf8) {
    }

    private final InputStream in;
    private final ByteLines lines;
    private boolean finished;
    private int number;

    JsonlLines(InputStream in) {
        this.in = in;
        this.lines = new ByteLines(in);
    }

    public static JsonlLines open(Path path) throws IOException {
        return new JsonlLines(Files.newInputStream(path));
    }

    /**
     * How many lines {@link #next()} would return for the file: one per {@code \n}, plus a last line
     * without one. Reads the bytes once without decoding them (hundreds of MB a second), so a progress
     * bar can show a total before the first line is scored.
     */
    public static long count(Path path) throws IOException {
        long lines = 0;
        int last = '\n';
        byte[] buffer = new byte[ByteLines.BUFFER_SIZE];
        try (InputStream in = Files.newInputStream(path)) {
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                for (int i = 0; i < read; i++) {
                    if (buffer[i] == '\n') {
                        lines++;
                    }
                }
                if (read > 0) {
                    last = buffer[read - 1];
                }
            }
        }
        return last == '\n' ? lines : lines + 1;
    }

    /** The next line, or null at the end of the input; a last line without a newline counts. */
    public Line next() throws IOException {
        if (finished) {
            return null;
        }
        byte[] line = lines.next();
        if (line == null) {
            finished = true;
            line = lines.remainder();
            if (line.length == 0) {
                return null;
            }
        }
        number++;
        return decode(number, line);
    }

    private static Line decode(int number, byte[] bytes) {
        int start = 0;
        int end = bytes.length;
        if (end > start && bytes[end - 1] == '\r') {
            end--;
        }
        if (number == 1 && end >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF) {
            start = 3;
        }
        ByteBuffer content = ByteBuffer.wrap(bytes, start, end - start);
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(content)
                    .toString();
            return new Line(number, text, true);
        } catch (CharacterCodingException e) {
            return new Line(number, new String(bytes, start, end - start, StandardCharsets.UTF_8), false);
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
