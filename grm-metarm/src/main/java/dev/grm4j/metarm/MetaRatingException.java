package dev.grm4j.metarm;

import dev.grm4j.core.GrmException;

import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * A meta reward model could not rate the samples of a request: the remote server failed or answered
 * something without a score, or an LLM meta judge's answer could not be read. Carries the sample that
 * failed, the raw answer and the HTTP status where there was one, and always the cause.
 *
 * <p>{@link MetaGuidedVoting} never lets this fail a vote: the request falls back to plain voting and
 * the message is recorded in {@link MetaVoteResult#fallback()}.
 */
public class MetaRatingException extends GrmException {

    private static final long serialVersionUID = 1L;

    private final int sample;
    private final String answer;
    private final int statusCode;

    /**
     * @param message    lowercase, naming what failed and showing the bad value
     * @param cause      the underlying failure, or null
     * @param sample     the index of the sample (in the list given to the meta RM) that failed, or -1
     * @param answer     the raw answer (response body, model text), or null
     * @param statusCode the HTTP status, or -1
     */
    public MetaRatingException(String message, @Nullable Throwable cause, int sample, @Nullable String answer,
                               int statusCode) {
        super(message, cause);
        this.sample = sample;
        this.answer = answer;
        this.statusCode = statusCode;
    }

    /** The index of the sample that could not be rated, when the failure was about one sample. */
    public OptionalInt sample() {
        return sample < 0 ? OptionalInt.empty() : OptionalInt.of(sample);
    }

    /** What the meta RM answered, when it answered. */
    public Optional<String> answer() {
        return Optional.ofNullable(answer);
    }

    /** The HTTP status of a remote meta RM's failed answer. */
    public OptionalInt statusCode() {
        return statusCode < 0 ? OptionalInt.empty() : OptionalInt.of(statusCode);
    }
}
