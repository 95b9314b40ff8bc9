package dev.grm4j.core;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * How one model call samples: temperature, output budget, seed and stop sequences.
 *
 * <p>{@link #greedy()} is the plain reward's setting; {@link #sampled(double)} with the paper's
 * temperature 0.5 is the voting setting. The seed is passed to backends whose provider accepts one.
 *
 * @param temperature     in 0..2; 0 asks for greedy decoding
 * @param maxOutputTokens the output budget, > 0; a judge cut off by it is {@link Outcome#TRUNCATED}
 * @param seed            the provider-side sampling seed, if any
 * @param stop            stop sequences, possibly empty
 */
public record SamplingOptions(double temperature, int maxOutputTokens, OptionalLong seed, List<String> stop) {

    /** Generous enough for principles, a critique of a few responses and the scores. */
    public static final int DEFAULT_MAX_OUTPUT_TOKENS = 2048;

    /** The paper's sampling temperature for voting. */
    public static final double PAPER_TEMPERATURE = 0.5;

    public SamplingOptions {
        if (!(temperature >= 0 && temperature <= 2)) {
            throw new IllegalArgumentException("temperature must be in 0..2, was " + temperature);
        }
        if (maxOutputTokens <= 0) {
            throw new IllegalArgumentException("maxOutputTokens must be > 0, was " + maxOutputTokens);
        }
        Objects.requireNonNull(seed, "seed");
        stop = List.copyOf(Objects.requireNonNull(stop, "stop"));
    }

    /** Temperature 0, the default output budget, no seed. */
    public static SamplingOptions greedy() {
        return new SamplingOptions(0, DEFAULT_MAX_OUTPUT_TOKENS, OptionalLong.empty(), List.of());
    }

    /** The given temperature, the default output budget, no seed. */
    public static SamplingOptions sampled(double temperature) {
        return new SamplingOptions(temperature, DEFAULT_MAX_OUTPUT_TOKENS, OptionalLong.empty(), List.of());
    }

    public SamplingOptions withTemperature(double temperature) {
        return new SamplingOptions(temperature, maxOutputTokens, seed, stop);
    }

    public SamplingOptions withMaxOutputTokens(int maxOutputTokens) {
        return new SamplingOptions(temperature, maxOutputTokens, seed, stop);
    }

    public SamplingOptions withSeed(long seed) {
        return new SamplingOptions(temperature, maxOutputTokens, OptionalLong.of(seed), stop);
    }

    public SamplingOptions withStop(List<String> stop) {
        return new SamplingOptions(temperature, maxOutputTokens, seed, stop);
    }
}
