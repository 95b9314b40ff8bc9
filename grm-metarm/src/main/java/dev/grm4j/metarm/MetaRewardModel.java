package dev.grm4j.metarm;

import com.fasterxml.jackson.core.JsonPointer;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.internal.Futures;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * A meta reward model: rates each sampled judgement of one request with a real number, higher meaning
 * more likely correct (paper Eq. 10: the judgement gives the truly best response the strictly highest
 * score). {@link MetaGuidedVoting} keeps the top-rated samples and lets only those vote.
 *
 * <p><b>Contract of a rating.</b> {@link #rate} returns exactly one rating per sample, in the order of
 * {@code samples}. Every {@link Judgement#isScored() scored} sample gets a finite rating. A sample that
 * is not scored (unparseable, truncated, backend error) is not rated: its rating is {@link Double#NaN},
 * and it never votes anyway. A model that cannot rate a scored sample (a remote failure, an unreadable
 * answer) throws {@link MetaRatingException} for the whole call: it never makes a number up.
 *
 * <p>Implementations are thread-safe.
 *
 * <pre>{@code
 * MetaRewardModel meta = LogisticMetaRm.load(Path.of("metarm.json"));
 * MetaGuidedVoting guided = MetaGuidedVoting.builder(voting, meta).build();   // k_meta = ceil(k / 2)
 * VoteResult result = guided.vote(GrmRequest.of("What is 2 + 2?", "4", "5"));
 * }</pre>
 */
public interface MetaRewardModel {

    /**
     * Rates every sample of one request and waits for the ratings: {@link #rateAsync} joined, its
     * failure rethrown as it was thrown (a {@link MetaRatingException} stays one).
     *
     * @param request the request the samples judged
     * @param samples the sampled judgements, usually the k samples of one vote; the others' scores are
     *                context for each one (a model may use agreement between samples)
     * @return one rating per sample, in order; {@code NaN} for a sample that is not scored
     * @throws MetaRatingException      if a scored sample cannot be rated
     * @throws IllegalArgumentException if a scored sample has another number of scores than the request
     *                                  has responses
     * @throws java.util.concurrent.CancellationException if the waiting thread is interrupted (its flag is
     *                                  restored and the rating cancelled)
     */
    default List<Double> rate(GrmRequest request, List<Judgement> samples) {
        return Futures.join(rateAsync(request, samples), "meta RM " + name());
    }

    /**
     * Rates every sample of one request without blocking: the one method an implementation writes. The
     * future completes with one rating per sample, in order ({@code NaN} for a sample that is not
     * scored), or exceptionally with a {@link MetaRatingException} if a scored sample cannot be rated;
     * where the work runs is stated by each implementation.
     *
     * @param request the request the samples judged
     * @param samples the sampled judgements, usually the k samples of one vote
     * @throws IllegalArgumentException if a scored sample has another number of scores than the request
     *                                  has responses (thrown, or the future fails with it)
     */
    CompletableFuture<List<Double>> rateAsync(GrmRequest request, List<Judgement> samples);

    /** A short name for records and logs, e.g. {@code "logistic(24 features)"} or the remote URL. */
    String name();

    /**
     * An LLM meta judge: asks {@code backend}, once per scored sample, whether that judgement is correct,
     * and reads the answer ("Yes"/"No", a probability, or a percentage) as the rating in 0..1.
     *
     * <p><b>Cost:</b> one extra model call per scored sample, so MetaRM@32 costs 32 more calls per
     * request than Voting@32.
     */
    static LlmJudgeBuilder llmJudge(LlmBackend backend) {
        return new LlmJudgeBuilder(backend);
    }

    /**
     * A remote scalar meta RM over HTTP, such as the released DeepSeek-GRM-27B meta RM served as a
     * sequence classifier by vLLM ({@code POST /classify}): one POST per scored sample, the score read
     * from the JSON answer at a JSON Pointer.
     *
     * @param url the endpoint, e.g. {@code http://127.0.0.1:8000/classify}
     */
    static RemoteBuilder remote(URI url) {
        return new RemoteBuilder(url);
    }

    /** Configures an LLM meta judge; each setter checks its argument. Not thread-safe. */
    final class LlmJudgeBuilder {
        /** Enough for a short answer, with room for a model that explains first. */
        public static final int DEFAULT_MAX_OUTPUT_TOKENS = 256;
        public static final int DEFAULT_MAX_CONCURRENCY = 16;

        private final LlmBackend backend;
        private SamplingOptions sampling = SamplingOptions.greedy().withMaxOutputTokens(DEFAULT_MAX_OUTPUT_TOKENS);
        private int maxConcurrency = DEFAULT_MAX_CONCURRENCY;

        private LlmJudgeBuilder(LlmBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
        }

        /** How each question is sampled; greedy with a 256-token budget by default. */
        public LlmJudgeBuilder sampling(SamplingOptions sampling) {
            this.sampling = Objects.requireNonNull(sampling, "sampling");
            return this;
        }

        /** The most questions in flight at once, over every request of this judge; 16 by default. */
        public LlmJudgeBuilder maxConcurrency(int maxConcurrency) {
            if (maxConcurrency < 1) {
                throw new IllegalArgumentException("maxConcurrency must be >= 1, was " + maxConcurrency);
            }
            this.maxConcurrency = maxConcurrency;
            return this;
        }

        public MetaRewardModel build() {
            return new LlmMetaJudge(new LlmMetaJudge.Settings(backend, sampling, maxConcurrency));
        }
    }

    /**
     * Configures a remote meta RM; each setter checks its argument. Not thread-safe.
     *
     * <p>The request body is {@link #bodyTemplate(String) a template} whose placeholders are replaced by
     * JSON string literals, quotes included: {@code {{text}}} (the trajectory as text, see
     * {@link #textFormat}), {@code {{query}}} (the user's last turn) and {@code {{model}}}. The default,
     * for vLLM's classify API, is {@code {"model": {{model}}, "input": {{text}}}} and the score is read at
     * {@code /data/0/probs/1}, the probability of class 1 ("correct").
     */
    final class RemoteBuilder {
        public static final String DEFAULT_BODY = "{\"model\": {{model}}, \"input\": {{text}}}";
        public static final String DEFAULT_SCORE_POINTER = "/data/0/probs/1";
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
        public static final int DEFAULT_MAX_CONCURRENCY = 16;

        private final URI url;
        private String bodyTemplate = DEFAULT_BODY;
        private String scorePointer = DEFAULT_SCORE_POINTER;
        private String model = "";
        private Duration timeout = DEFAULT_TIMEOUT;
        private int maxConcurrency = DEFAULT_MAX_CONCURRENCY;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private HttpClient client;
        private BiFunction<GrmRequest, Judgement, String> textFormat = RemoteMetaRm::defaultText;

        private RemoteBuilder(URI url) {
            Objects.requireNonNull(url, "url");
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
                throw new IllegalArgumentException("url must be an http or https URL with a host, was " + url);
            }
            this.url = url;
        }

        /**
         * The JSON body sent for each sample, with {@code {{text}}}, {@code {{query}}} and
         * {@code {{model}}} placeholders (each replaced by a JSON string literal, quotes included).
         *
         * @throws IllegalArgumentException if the template has no {@code {{text}}} placeholder
         */
        public RemoteBuilder bodyTemplate(String template) {
            Objects.requireNonNull(template, "template");
            if (!template.contains("{{text}}")) {
                throw new IllegalArgumentException("bodyTemplate must contain the {{text}} placeholder, was "
                        + template);
            }
            this.bodyTemplate = template;
            return this;
        }

        /**
         * Where the score is in the JSON answer, as a JSON Pointer (RFC 6901), e.g. {@code /data/0/probs/1}
         * or {@code /score}; the value there must be a number.
         *
         * @throws IllegalArgumentException if {@code pointer} is not a JSON Pointer
         */
        public RemoteBuilder scorePointer(String pointer) {
            Objects.requireNonNull(pointer, "pointer");
            try {
                JsonPointer.compile(pointer);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("scorePointer is not a JSON Pointer: '" + pointer + "'", e);
            }
            this.scorePointer = pointer;
            return this;
        }

        /** The value of the {@code {{model}}} placeholder; empty by default. */
        public RemoteBuilder model(String model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /** An HTTP header sent with every request, e.g. {@code Authorization}; replaces one of the same name. */
        public RemoteBuilder header(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (name.isBlank()) {
                throw new IllegalArgumentException("header name is blank");
            }
            headers.put(name, value);
            return this;
        }

        /** The longest one POST may take; 60 s by default. */
        public RemoteBuilder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("timeout must be positive, was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** The most POSTs in flight at once, over every request of this meta RM; 16 by default. */
        public RemoteBuilder maxConcurrency(int maxConcurrency) {
            if (maxConcurrency < 1) {
                throw new IllegalArgumentException("maxConcurrency must be >= 1, was " + maxConcurrency);
            }
            this.maxConcurrency = maxConcurrency;
            return this;
        }

        /** The client to send with; a new HTTP/1.1 client by default. */
        public RemoteBuilder httpClient(HttpClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * Turns one judgement of a request into the text to classify. By default: the query, the
         * responses in the order the judge saw them (numbered as it numbered them), and the judge's own
         * output (principles, critique and scores).
         */
        public RemoteBuilder textFormat(BiFunction<GrmRequest, Judgement, String> textFormat) {
            this.textFormat = Objects.requireNonNull(textFormat, "textFormat");
            return this;
        }

        public MetaRewardModel build() {
            HttpClient http = client != null ? client
                    : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
            return new RemoteMetaRm(new RemoteMetaRm.Settings(url, bodyTemplate, JsonPointer.compile(scorePointer),
                    model, timeout, maxConcurrency, headers, http, textFormat));
        }
    }
}
