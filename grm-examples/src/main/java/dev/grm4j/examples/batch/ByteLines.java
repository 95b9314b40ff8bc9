package dev.grm4j.examples.batch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Splits a byte stream on {@code \n} without decoding it, holding one line at a time. What follows the
 * last newline (a line an interrupted writer cut short, or a file without a final newline) is kept
 * apart in {@link #remainder()}, because readers treat it differently.
 */
final class ByteLines {

    static final int BUFFER_SIZE = 64 * 1024;

    private final InputStream in;
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();
    private int position;
    private int limit;
    private byte[] remainder;

    ByteLines(InputStream in) {
        this.in = in;
    }

    /** The next line that ends with a newline, without it; null when none is left. */
    byte[] next() throws IOException {
        if (remainder != null) {
            return null;
        }
        current.reset();
        while (true) {
            if (position == limit) {
                int read = in.read(buffer);
                if (read < 0) {
                    remainder = current.toByteArray();
                    return null;
                }
                position = 0;
                limit = read;
            }
            int newline = indexOfNewline();
            if (newline < 0) {
                current.write(buffer, position, limit - position);
                position = limit;
            } else {
                current.write(buffer, position, newline - position);
                position = newline + 1;
                return current.toByteArray();
            }
        }
    }

    /** The bytes after the last newline, possibly none; valid once {@link #next()} returned null. */
    byte[] remainder() {
        if (remainder == null) {
            throw new IllegalStateException("the remainder is known only at the end of the input");
        }
        return remainder;
    }

    private int indexOfNewline() {
        for (int i = position; i < limit; i++) {
            if (buffer[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
