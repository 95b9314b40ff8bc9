package dev.grm4j.principles;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.Principle;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.internal.Futures;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Where the judge's principles come from. Plug one into any {@link PointwiseGrm} with
 * {@link PrincipledGrm#of(PointwiseGrm, PrincipleStrategy)}:
 * <ul>
 *   <li>{@link #selfGenerated()}: the judge writes them in the same call (the paper's default);</li>
 *   <li>{@link #generatedOnce(LlmBackend, int)}: one separate call per prompt writes them from the
 *       query alone, and every sample of that prompt (the k votes, the G rollouts of an RL prompt)
 *       is judged against the same ones;</li>
 *   <li>{@link #fixed(List)}, {@link #preset(String)}, {@link #fromFile(Path)}: the caller's.</li>
 * </ul>
 *
 * <pre>{@code
 * PrincipleStrategy once = PrincipleStrategy.generatedOnce(backend, 10_000);
 * VotingGrm voting = VotingGrm.builder(PrincipledGrm.of(grm, once)).k(8).build();
 * }</pre>
 *
 * <p>Implementations must be thread-safe. The shipped ones are.
 */
public interface PrincipleStrategy {

    /** What {@link #generatedOnce(LlmBackend, int)} asks for: room for six criteria and a preamble. */
    int DEFAULT_MAX_OUTPUT_TOKENS = 1024;

    /** A cache size for {@link #fromSpec(String, LlmBackend)}: about 1 MB of principles. */
    int DEFAULT_CACHE_SIZE = 2048;

    /**
     * The principles for {@code request}, weights summing to 1, without blocking: the one method an
     * implementation writes. An empty list means the judge writes its own ({@link #selfGenerated()}
     * only). Calls run on the backend's async path. The future fails with a {@link PrincipleException}
     * if none could be obtained: the call failed or its answer held none. Cancelling it never cancels
     * a call that other callers share.
     */
    CompletableFuture<List<Principle>> principlesAsync(GrmRequest request);

    /**
     * {@link #principlesAsync(GrmRequest)}, joined: blocks while a principle call runs, whoever started it.
     *
     * @throws PrincipleException if none could be obtained: the call failed or its answer held none
     */
    default List<Principle> principles(GrmRequest request) {
        return Futures.join(principlesAsync(request), "principles (" + name() + ")");
    }

    /** A short name for records: {@code self}, {@code once}, {@code preset:NAME}, {@code fixed}, {@code file:NAME}. */
    String name();

    /** What this strategy's own calls have cost so far; all zero for strategies that make none. */
    default Stats stats() {
        return Stats.NONE;
    }

    /**
     * The counters of a strategy that calls a model.
     *
     * @param calls    principle calls started
     * @param failures of those, calls that failed or answered no usable principle
     * @param reused   requests answered without a call of their own: from the cache, or by sharing a
     *                 call already in flight
     * @param tokens   tokens of every answered principle call, failed ones included
     */
    record Stats(long calls, long failures, long reused, TokenUsage tokens) {

        /** No calls, no tokens. */
        public static final Stats NONE = new Stats(0, 0, 0, TokenUsage.ZERO);

        public Stats {
            Objects.requireNonNull(tokens, "tokens");
            if (calls < 0 || failures < 0 || reused < 0 || failures > calls) {
                throw new IllegalArgumentException("stats need 0 <= failures <= calls and reused >= 0, were calls "
                        + calls + ", failures " + failures + ", reused " + reused);
            }
        }
    }

    /** The judge writes query-specific principles in the same call, as in the paper; requests pass unchanged. */
    static PrincipleStrategy selfGenerated() {
        return Strategies.SELF;
    }

    /**
     * One separate, greedy call per distinct conversation writes weighted principles from the
     * conversation alone (never the responses), so every sample and every rollout of a prompt shares
     * them. Results are cached per conversation, least recently used first out; concurrent requests
     * for the same conversation share one call. A failed or unusable answer is not cached: the
     * callers waiting on it get the {@link PrincipleException}, and the next request tries again.
     *
     * @param backend   the model that writes the principles, usually the judge's own
     * @param cacheSize the most conversations whose principles are kept, >= 1
     * @throws IllegalArgumentException if {@code cacheSize < 1}
     */
    static PrincipleStrategy generatedOnce(LlmBackend backend, int cacheSize) {
        return generatedOnce(backend, cacheSize,
                SamplingOptions.greedy().withMaxOutputTokens(DEFAULT_MAX_OUTPUT_TOKENS));
    }

    /**
     * {@link #generatedOnce(LlmBackend, int)} with the principle call's own sampling options (greedy
     * with a {@value #DEFAULT_MAX_OUTPUT_TOKENS}-token budget by default). An answer cut off by the
     * budget is unusable.
     *
     * @throws IllegalArgumentException if {@code cacheSize < 1}
     */
    static PrincipleStrategy generatedOnce(LlmBackend backend, int cacheSize, SamplingOptions sampling) {
        return new GeneratedOnce(backend, cacheSize, sampling);
    }

    /**
     * The same principles for every request, weights normalized to sum to 1 ({@link Principles#normalize}).
     *
     * @throws IllegalArgumentException if {@code principles} is empty
     */
    static PrincipleStrategy fixed(List<Principle> principles) {
        return new Strategies.Fixed("fixed", Principles.normalize(principles));
    }

    /**
     * A principle list shipped with the library: {@code general}, {@code safety}, {@code coding},
     * {@code math} or {@code writing} (see {@link #presetNames()}). Each is a resource
     * {@code dev/grm4j/principles/presets/NAME.txt} in the format of {@link #fromFile(Path)}; to change
     * one, copy it, edit it and load the copy with {@link #fromFile(Path)}.
     *
     * @throws IllegalArgumentException if there is no preset of that name; the message lists them
     */
    static PrincipleStrategy preset(String name) {
        Objects.requireNonNull(name, "name");
        return new Strategies.Fixed("preset:" + name, Presets.load(name));
    }

    /** The names {@link #preset(String)} accepts, in alphabetical order. */
    static List<String> presetNames() {
        return Presets.NAMES;
    }

    /**
     * Principles from a UTF-8 text file: one principle per line (or per bullet, lines under a bullet
     * continuing it), each with an optional weight such as {@code Correctness (40%): ...}; blank lines
     * and lines starting with {@code #} are ignored. Weights are normalized as {@link Principles}
     * describes.
     *
     * @throws java.io.UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException      if it holds no principle, or its weights sum to 0
     */
    static PrincipleStrategy fromFile(Path file) {
        Objects.requireNonNull(file, "file");
        Path name = file.getFileName();
        return new Strategies.Fixed("file:" + (name == null ? file : name), Presets.read(file));
    }

    /**
     * The strategy a configuration string names, for command lines and config files:
     * {@code self}, {@code once} ({@link #generatedOnce(LlmBackend, int)} over {@code backend} with
     * {@link #DEFAULT_CACHE_SIZE}), {@code preset:NAME} or {@code file:PATH}.
     *
     * @param backend the model for {@code once}; unused by the others
     * @throws IllegalArgumentException naming the accepted forms, or the known presets
     */
    static PrincipleStrategy fromSpec(String spec, LlmBackend backend) {
        Objects.requireNonNull(backend, "backend");
        return Strategies.fromSpec(spec, () -> generatedOnce(backend, DEFAULT_CACHE_SIZE));
    }

    /**
     * The strategy a configuration string names when no model is at hand: {@code self},
     * {@code preset:NAME} or {@code file:PATH}. {@code once} needs a model to write the principles,
     * so it is refused here with a message that says so; use {@link #fromSpec(String, LlmBackend)}.
     *
     * @throws IllegalArgumentException naming the accepted forms, or the known presets
     */
    static PrincipleStrategy fromSpec(String spec) {
        return Strategies.fromSpec(spec, () -> {
            throw new IllegalArgumentException("principle strategy 'once' generates principles with a model:"
                    + " pass its backend to fromSpec(spec, backend)");
        });
    }
}
