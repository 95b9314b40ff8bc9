package dev.grm4j.core.parse;

/**
 * Carries a failure reason from a helper up to {@link GrmOutputParser#parse}, which turns it into a
 * {@link ParseResult.Failed}. It never leaves the package.
 */
final class Reject extends RuntimeException {

    private static final long serialVersionUID = 1L;

    Reject(String reason) {
        // No stack trace: a reject is an expected outcome on every malformed sample, not a bug.
        super(reason, null, false, false);
    }

    String reason() {
        return getMessage();
    }
}
