package dev.grm4j.examples.llama;

import dev.grm4j.core.GrmException;

/**
 * The model store could not provide a model: the server is unreachable, answered with an error, the
 * transfer kept failing, or the file it sent failed a check. The cause is kept.
 */
public class ModelStoreException extends GrmException {

    private static final long serialVersionUID = 1L;

    private final boolean unreachable;

    public ModelStoreException(String message, Throwable cause, boolean unreachable) {
        super(message, cause);
        this.unreachable = unreachable;
    }

    /**
     * True when no connection could be made at all (offline, unknown host, connection refused or timed
     * out): retrying later or using a local model may help, a different address will not.
     */
    public boolean isUnreachable() {
        return unreachable;
    }
}
