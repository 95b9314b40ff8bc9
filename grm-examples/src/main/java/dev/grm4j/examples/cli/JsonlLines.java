package dev.grm4j.examples.cli;

import java.io.ByteArrayOutputStream;
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
final class JsonlLines implements Closeable {

    /**
     * @param number    1-based line number
     * @param text      the decoded text; bad bytes are replaced when {@code validUtf8} is false
     * @param validUtf8 whether the line's bytes were valid UTF-8
     */
    record Line(int number, String text, boolean validUtf8) {
    }

    private static final int BUFFER_SIZE = 64 * 1024;

    private final InputStream in;
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();
    private int position;
    private int limit;
    private int number;

    JsonlLines(InputStream in) {
        this.in = in;
    }

    static JsonlLines open(Path path) throws IOException {
        return new JsonlLines(Files.newInputStream(path));
    }

    /**
     * How many lines {@link #next()} would return for the file: one per {@code \n}, plus a last line
     * without one. Reads the bytes once without decoding them (hundreds of MB a second), so a progress
     * bar can show a total before the first line is scored.
     */
    static long count(Path path) throws IOException {
        long lines = 0;
        int last = '\n';
        byte[] buffer = new byte[BUFFER_SIZE];
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

    /** The next line, or null at the end of the input. */
    Line next() throws IOException {
        current.reset();
        boolean sawBytes = false;
        while (true) {
            if (position == limit) {
                int read = in.read(buffer);
                if (read <= 0) {
                    if (!sawBytes) {
                        return null;
                    }
                    break;
                }
                position = 0;
                limit = read;
            }
            sawBytes = true;
            int newline = indexOfNewline();
            if (newline < 0) {
                current.write(buffer, position, limit - position);
                position = limit;
            } else {
                current.write(buffer, position, newline - position);
                position = newline + 1;
                break;
            }
        }
        number++;
        return decode(number, current.toByteArray());
    }

    private int indexOfNewline() {
        for (int i = position; i < limit; i++) {
            if (buffer[i] == '\n') {
                return i;
            }
        }
        return -1;
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
