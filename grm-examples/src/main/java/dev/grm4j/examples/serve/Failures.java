package dev.grm4j.examples.serve;

import dev.grm4j.core.Judgement;
import dev.grm4j.core.Outcome;
import dev.grm4j.voting.VoteResult.VoteStatus;
import dev.grm4j.voting.VoteResult;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Failures in words for error answers: what went wrong, taken from the failures' own messages. An
 * operator reading a 503 must learn the cause ("could not connect to ...: connection refused", "the
 * judge did not answer in time"), never just an exception's class name.
 */
final class Failures {

    /** Deeper cause chains than this are cut: a message is never that far down. */
    private static final int MAX_DEPTH = 16;

    /** A java.time.Duration as toString() writes it, in seconds only: "PT1.9S". */
    private static final Pattern ISO_SECONDS = Pattern.compile("\\bPT([0-9]+(?:\\.[0-9]+)?)S\\b");

    private Failures() {
    }

    /** The most telling message in {@code failure}'s cause chain, wrappers skipped. */
    static String explain(Throwable failure) {
        Throwable top = failure;
        while ((top instanceof CompletionException || top instanceof ExecutionException) && top.getCause() != null) {
            top = top.getCause();
        }
        Throwable current = top;
        for (int depth = 0; current != null && depth < MAX_DEPTH; depth++) {
            String message = current.getMessage();
            Throwable cause = current.getCause();
            // Wrappers built from a cause alone repeat its toString(): read the cause instead.
            boolean repeatsCause = cause != null && message != null && message.equals(cause.toString());
            if (message != null && !message.isBlank() && !repeatsCause) {
                return current instanceof TimeoutException
                        ? "the judge did not answer in time (" + readableDurations(message) + ")" : message;
            }
            current = cause == current ? null : cause;
        }
        return top instanceof TimeoutException ? "the judge did not answer in time"
                : "an unexplained failure (" + top.getClass().getSimpleName() + " without a message)";
    }

    /**
     * Why {@code result} has no vote, sample by sample: "NO_QUORUM: only 0 of 2 samples were valid,
     * quorum is 2; 2 samples: could not connect to ...".
     */
    static String noVote(VoteResult result) {
        if (result.status() != VoteStatus.NO_QUORUM) {
            return result.status() + ": " + result.failure().orElse("no reason given");
        }
        int neverRan = result.samplesRequested() - result.samplesRun();
        if (result.samples().isEmpty()) {
            return result.status() + ": none of the " + neverRan + " samples got a call before the deadline: they"
                    + " waited for a free call, a limit all requests share (grm serve --concurrency)";
        }
        StringBuilder text = new StringBuilder().append(result.status()).append(": only ")
                .append(result.validSamples()).append(" of ").append(result.samplesRun())
                .append(" samples were valid, quorum is ").append(result.quorum());
        if (neverRan > 0) {
            text.append("; ").append(neverRan).append(neverRan == 1 ? " sample" : " samples")
                    .append(" never ran: they waited for a free call until the deadline");
        }
        Map<String, Integer> reasons = new LinkedHashMap<>();
        for (Judgement sample : result.samples()) {
            if (!sample.isScored()) {
                reasons.merge(reason(sample), 1, Integer::sum);
            }
        }
        reasons.forEach((reason, count) -> text.append("; ").append(count).append(count == 1 ? " sample: " : " samples: ")
                .append(reason));
        return text.toString();
    }

    /**
     * Whether a retry of the same request may give {@code result} a vote: a sample hit backend trouble,
     * or samples never got a call before the deadline. A judge that answered and could not be read
     * would, with the same seed, answer the same way again.
     */
    static boolean retryable(VoteResult result) {
        if (result.status() == VoteStatus.INVALID_REQUEST) {
            return false;
        }
        return result.samplesRun() < result.samplesRequested()
                || result.samples().stream().anyMatch(sample -> sample.outcome() == Outcome.BACKEND_ERROR);
    }

    private static String reason(Judgement sample) {
        if (sample.outcome() == Outcome.BACKEND_ERROR) {
            return sample.cause().map(Failures::explain).orElse(sample.failure().orElse("backend error"));
        }
        return sample.outcome().name().toLowerCase(Locale.ROOT) + " (" + sample.failure().orElse("no reason given") + ")";
    }

    /** "call exceeded PT1.899256015S" reads "call exceeded 1.899 s". */
    private static String readableDurations(String message) {
        Matcher iso = ISO_SECONDS.matcher(message);
        StringBuilder text = new StringBuilder();
        while (iso.find()) {
            BigDecimal seconds = new BigDecimal(iso.group(1)).setScale(3, RoundingMode.HALF_UP);
            iso.appendReplacement(text, seconds.stripTrailingZeros().toPlainString() + " s");
        }
        return iso.appendTail(text).toString();
    }

    /** "2 s", "1.5 s", "0.25 s". */
    static String seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toMillis(), 3).stripTrailingZeros().toPlainString() + " s";
    }
}
