package dev.grm4j.core;

/**
 * Tokens one or more model calls consumed, as the backend reported them (0 where it reported none).
 *
 * @param inputTokens  prompt tokens, >= 0
 * @param outputTokens completion tokens, >= 0
 */
public record TokenUsage(long inputTokens, long outputTokens) {

    public static final TokenUsage ZERO = new TokenUsage(0, 0);

    public TokenUsage {
        if (inputTokens < 0 || outputTokens < 0) {
            throw new IllegalArgumentException(
                    "token counts must be >= 0, were input " + inputTokens + " and output " + outputTokens);
        }
    }

    public static TokenUsage of(long inputTokens, long outputTokens) {
        return new TokenUsage(inputTokens, outputTokens);
    }

    public long totalTokens() {
        return inputTokens + outputTokens;
    }

    public TokenUsage plus(TokenUsage other) {
        return new TokenUsage(inputTokens + other.inputTokens, outputTokens + other.outputTokens);
    }
}
