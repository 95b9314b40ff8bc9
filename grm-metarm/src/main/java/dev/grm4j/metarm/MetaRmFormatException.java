package dev.grm4j.metarm;

import dev.grm4j.core.GrmException;

import java.util.OptionalInt;

/**
 * A trajectory file or a meta RM model file could not be read. For a JSON Lines file the message
 * starts with {@code "line N: "} and {@link #line()} gives N (1-based).
 */
public class MetaRmFormatException extends GrmException {

    private static final long serialVersionUID = 1L;

    private final int line;

    /** A problem with the whole input (a model file), not with one line. */
    public MetaRmFormatException(String message, Throwable cause) {
        super(message, cause);
        this.line = -1;
    }

    /** A problem with line {@code line} (1-based) of a JSON Lines file; the message gets the "line N: " prefix. */
    public MetaRmFormatException(int line, String problem, Throwable cause) {
        super("line " + line + ": " + problem, cause);
        this.line = line;
    }

    /** The 1-based line at fault, for a JSON Lines input. */
    public OptionalInt line() {
        return line < 0 ? OptionalInt.empty() : OptionalInt.of(line);
    }
}
