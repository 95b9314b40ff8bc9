package dev.grm4j.core.internal;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
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

    /**
     * Waits for {@code call}: the one place where every SPI's blocking form turns its async form
     * into a value. The call's own runtime exception or error is rethrown as it is, unwrapped; a
     * checked one (only a hand-completed future can hold one) is wrapped in a
     * {@link CompletionException} that names {@code what}. An interrupt cancels the call, restores
     * the thread's flag and throws a {@link CancellationException} caused by it. This package
     * depends on no grm4j type, so that it can serve every module without a cycle.
     */
    public static <T> T join(CompletableFuture<T> call, String what) {
        try {
            return call.get();
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e);
            if (cause instanceof RuntimeException failure) {
                throw failure;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new CompletionException(what + " failed: " + cause, cause);
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            CancellationException cancelled = new CancellationException("interrupted while waiting for " + what);
            cancelled.initCause(e);
            throw cancelled;
        }
    }
}
