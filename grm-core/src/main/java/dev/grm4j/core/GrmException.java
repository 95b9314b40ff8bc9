package dev.grm4j.core;

/**
 * The root of every exception grm4j throws for a failure at run time (bad arguments are
 * {@link IllegalArgumentException}s instead). The cause is always kept.
 */
public class GrmException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public GrmException(String message) {
        super(message);
    }

    public GrmException(String message, Throwable cause) {
        super(message, cause);
    }
}
