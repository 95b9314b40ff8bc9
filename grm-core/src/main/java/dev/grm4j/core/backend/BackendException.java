package dev.grm4j.core.backend;

import dev.grm4j.core.GrmException;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A backend call failed. Says whether retrying may help, and carries the HTTP status and the server's
 * Retry-After where there was one. The provider's own exception (for langchain4j, a
 * {@code RetriableException} or {@code NonRetriableException}) is the cause.
 */
public class BackendException extends GrmException {

    private static final long serialVersionUID = 1L;

    private final boolean retriable;
    private final int statusCode;
    private final transient Duration retryAfter;

    public BackendException(String message, Throwable cause, boolean retriable, OptionalInt statusCode,
                            Optional<Duration> retryAfter) {
        super(message, cause);
        this.retriable = retriable;
        this.statusCode = statusCode.orElse(-1);
        this.retryAfter = retryAfter.orElse(null);
    }

    /** True for failures that may pass on a later try: timeouts, connection errors, 429 and 5xx. */
    public boolean isRetriable() {
        return retriable;
    }

    /** The HTTP status the provider answered with, if the failure came from one. */
    public OptionalInt statusCode() {
        return statusCode < 0 ? OptionalInt.empty() : OptionalInt.of(statusCode);
    }

    /** How long the server asked the client to wait before retrying. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
