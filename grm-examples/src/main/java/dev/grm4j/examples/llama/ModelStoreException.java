package dev.grm4j.examples.llama;

import dev.grm4j.core.GrmException;

/**
 * The model store could not provide a model: the server is unreachable, answered with an error, the
 * transfer kept failing, the file it sent (or the one stored) failed a check, or the store is offline
 * and the model is not there. The cause is kept.
 */
public class ModelStoreException extends GrmException {

    private static final long serialVersionUID = 1L;

    private final boolean unreachable;
    private final boolean offline;

    public ModelStoreException(String message, Throwable cause, boolean unreachable) {
        this(message, cause, unreachable, false);
    }

    /** With {@code offline} true: an offline store's answer for a model that is not there. */
    ModelStoreException(String message, Throwable cause, boolean unreachable, boolean offline) {
        super(message, cause);
        this.unreachable = unreachable;
        this.offline = offline;
    }

    /**
     * True when no connection could be made at all (offline, unknown host, connection refused or timed
     * out): retrying later or using a local model may help, a different address will not.
     */
    public boolean isUnreachable() {
        return unreachable;
    }

    /**
     * True when the store is {@linkplain ModelStore.Builder#offline(boolean) offline} and a file of the
     * model is not there: no connection was attempted; the message names the files, their addresses and
     * sizes, and the directory to put them in.
     */
    public boolean isOffline() {
        return offline;
    }
}
