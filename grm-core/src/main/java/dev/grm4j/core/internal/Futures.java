package dev.grm4j.core.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Future plumbing shared by every module. */
public final class Futures {

    private Futures() {
    }

    /**
     * The failure itself, without the {@link CompletionException} and {@link ExecutionException}
     * wrappers that joining and composing futures add, so that callers classify the real cause.
     */
    public static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
