package dev.grm4j.principles;

import dev.grm4j.core.internal.Seeds;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Message;
import dev.grm4j.core.Outcome;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.ScoreRange;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.prompt.PromptTemplate;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * Rejective fine-tuning data, SPCT's cold start: for one labelled item, sample N trajectories of the
 * judge, keep the correct ones (the paper's Eq. 10, see {@link SpctReward#isCorrect}) and drop the item
 * when all N are correct ("too easy"). With hinted sampling, an item that is not too easy gets one more
 * sample whose prompt names the best response; it is kept only if correct.
 *
 * <p>Each kept trajectory is an {@link Example}: the exact prompt the judge saw (system and user
 * message, as the template rendered them) and its output as the final assistant turn, ready for chat
 * SFT trainers. A hinted example holds the prompt <em>without</em> the hint, as the trained model must
 * judge without one; a hinted output that mentions a hint is dropped for the same reason.
 *
 * <p><b>Sampling.</b> Sample {@code i} shows the responses in its own seeded random order and carries
 * its own provider seed, both derived from the sampler's seed, the request's content and {@code i}, as
 * voting does: the same seed and a deterministic backend give the same data whatever the concurrency.
 * The hint is appended to the user message: {@code Hint: response P is the best one.}, where P is the
 * best response's 1-based position in that sample (for a single response: {@code Hint: the response
 * deserves a score of L.}).
 *
 * <pre>{@code
 * RftSampler sampler = RftSampler.builder(backend).n(3).hinted(true).seed(42).build();
 * RftSampler.Result result = sampler.sample(GrmRequest.of("What is 2 + 2?", "4", "5"), 0);
 * result.accepted().forEach(example -> write(example.messages()));
 * }</pre>
 *
 * <p>Thread-safe. The backend is called on its async path; the N samples of an item run at once, and
 * the hinted one after them.
 */
public final class RftSampler {

    /** The paper's number of non-hinted samples per item. */
    public static final int DEFAULT_N = 3;

    private static final Pattern HINT_MENTION = Pattern.compile("(?i)\\bhint");

    private final LlmBackend backend;
    private final int n;
    private final boolean hinted;
    private final long seed;
    private final boolean shuffle;
    private final SamplingOptions sampling;
    private final PromptTemplate template;
    private final ScoreRange range;
    /** The judge's pipeline (render, call, parse, map back), as voting uses it. */
    private final PointwiseGrm grm;

    private RftSampler(Builder builder) {
        this.backend = builder.backend;
        this.n = builder.n;
        this.hinted = builder.hinted;
        this.seed = builder.seed;
        this.shuffle = builder.shuffle;
        this.sampling = builder.sampling;
        this.template = builder.template;
        this.range = builder.range;
        this.grm = judge(backend);
    }

    /** A sampler calling {@code backend}, with the paper's settings until told otherwise. */
    public static Builder builder(LlmBackend backend) {
        return new Builder(backend);
    }

    /**
     * One kept trajectory, in chat form.
     *
     * @param messages the system and user message the judge was shown (without any hint), then the
     *                 judge's output as an assistant message
     * @param hinted   whether the judge was shown a hint
     * @param sample   which sample of the item it was: 0..N-1, or N for the hinted one
     * @param order    {@code order.get(p)} is the request index of the response shown at position {@code p}
     */
    public record Example(List<Message> messages, boolean hinted, int sample, List<Integer> order) {

        public Example {
            messages = List.copyOf(messages);
            order = List.copyOf(order);
        }

        /** The judge's output: the content of the final assistant turn. */
        public String trajectory() {
            return messages.get(messages.size() - 1).content();
        }
    }

    /**
     * What became of one item. Every sampled trajectory is counted once:
     * {@code sampled == accepted().size() + rejectedWrong + rejectedTooEasy + rejectedHintLeak}.
     *
     * @param accepted         the kept trajectories: correct non-hinted samples in sample order, then a
     *                         correct hinted one; empty when the item was too easy
     * @param sampled          trajectories sampled: N, plus 1 when a hinted sample was drawn
     * @param rejectedWrong    trajectories that were not correct, unreadable ones included
     * @param rejectedTooEasy  correct trajectories dropped because all N were correct (N or 0)
     * @param rejectedHintLeak correct hinted trajectories dropped because they mention the hint (0 or 1)
     * @param failed           of the wrong ones, those with no verdict: the call failed, the output did not
     *                         parse, or it was cut off
     * @param hintedAccepted   whether the hinted trajectory was kept
     */
    public record Result(List<Example> accepted, int sampled, int rejectedWrong, int rejectedTooEasy,
                         int rejectedHintLeak, int failed, boolean hintedAccepted) {

        public Result {
            accepted = List.copyOf(accepted);
        }

        /** Whether all N non-hinted samples were correct, so the item was dropped. */
        public boolean tooEasy() {
            return rejectedTooEasy > 0;
        }
    }

    /**
     * Samples one labelled item and waits for the result.
     *
     * @param label for two or more responses, the 0-based index of the best one in the request's order;
     *              for a single response, its true score
     * @throws IllegalArgumentException if {@code label} is not an index of the responses when there are two
     *                                  or more
     */
    public Result sample(GrmRequest request, int label) {
        return sampleAsync(request, label).join();
    }

    /**
     * {@link #sample(GrmRequest, int)} without blocking. The future completes normally whatever the
     * backend does: failed calls are counted as {@link Result#failed()}.
     *
     * @throws IllegalArgumentException as {@link #sample(GrmRequest, int)}
     */
    public CompletableFuture<Result> sampleAsync(GrmRequest request, int label) {
        Objects.requireNonNull(request, "request");
        if (request.size() >= 2 && (label < 0 || label >= request.size())) {
            throw new IllegalArgumentException("label must be the best response's index in 0.." + (request.size() - 1)
                    + ", was " + label);
        }
        long requestSeed = Seeds.request(seed, request.fingerprint());
        List<CompletableFuture<Drawn>> plain = IntStream.range(0, n)
                .mapToObj(index -> draw(request, label, requestSeed, index, false))
                .toList();
        return CompletableFuture.allOf(plain.toArray(CompletableFuture[]::new)).thenCompose(done -> {
            List<Drawn> samples = plain.stream().map(CompletableFuture::join).toList();
            boolean tooEasy = samples.stream().allMatch(sample -> sample.verdict() == Verdict.CORRECT);
            if (tooEasy || !hinted) {
                return CompletableFuture.completedFuture(tally(samples, null, tooEasy));
            }
            return draw(request, label, requestSeed, n, true).thenApply(hint -> tally(samples, hint, false));
        });
    }

    /** Samples per item, N. */
    public int n() {
        return n;
    }

    /** Whether items that are not too easy get a hinted sample. */
    public boolean hinted() {
        return hinted;
    }

    @Override
    public String toString() {
        return "RftSampler[n=" + n + ", hinted=" + hinted + ", seed=" + seed + ", temperature="
                + sampling.temperature() + ", template=" + template.version() + ", model=" + backend.modelName() + "]";
    }

    private enum Verdict { CORRECT, WRONG, FAILED }

    /** One sampled trajectory and what it was worth. */
    private record Drawn(Example example, Verdict verdict) {
    }

    private Result tally(List<Drawn> samples, Drawn hint, boolean tooEasy) {
        List<Example> accepted = new ArrayList<>();
        int wrong = 0;
        int failed = 0;
        int easy = 0;
        for (Drawn sample : samples) {
            switch (sample.verdict()) {
                case CORRECT -> {
                    if (tooEasy) {
                        easy++;
                    } else {
                        accepted.add(sample.example());
                    }
                }
                case WRONG -> wrong++;
                case FAILED -> {
                    wrong++;
                    failed++;
                }
            }
        }
        int leak = 0;
        boolean hintedAccepted = false;
        if (hint != null) {
            if (hint.verdict() != Verdict.CORRECT) {
                wrong++;
                failed += hint.verdict() == Verdict.FAILED ? 1 : 0;
            } else if (HINT_MENTION.matcher(hint.example().trajectory()).find()) {
                leak++;
            } else {
                accepted.add(hint.example());
                hintedAccepted = true;
            }
        }
        int sampled = samples.size() + (hint == null ? 0 : 1);
        return new Result(accepted, sampled, wrong, easy, leak, failed, hintedAccepted);
    }

    private CompletableFuture<Drawn> draw(GrmRequest request, int label, long requestSeed, int index, boolean hint) {
        List<Integer> order = Seeds.order(requestSeed, index, request.size(), shuffle);
        SamplingOptions options = sampling.withSeed(Seeds.sampling(requestSeed, index));
        PointwiseGrm judge = hint ? judge(new Hinting(backend, hint(request.size(), order, label))) : grm;
        return judge.judgeAsync(request, options, order).thenApply(judgement -> {
            if (judgement.outcome() == Outcome.BACKEND_ERROR) {
                return new Drawn(null, Verdict.FAILED);
            }
            // The example keeps the prompt without the hint: the trained model must judge without one.
            List<Message> messages = new ArrayList<>(template.render(request, order, range).messages());
            messages.add(Message.assistant(judgement.rawOutput()));
            Example example = new Example(messages, hint, index, order);
            return new Drawn(example, verdict(request, label, order, judgement));
        });
    }

    private static Verdict verdict(GrmRequest request, int label, List<Integer> order, Judgement judgement) {
        if (!judgement.isScored()) {
            return Verdict.FAILED; // cut off, or unreadable
        }
        // Compare in presentation order, as the judge wrote them: find where the best response was shown.
        int shownLabel = request.size() == 1 ? label : order.indexOf(label);
        return SpctReward.isCorrect(judgement.presentedScores(), shownLabel) ? Verdict.CORRECT : Verdict.WRONG;
    }

    /** The pipeline over {@code backend} with this sampler's template and range, and no size limit. */
    private PointwiseGrm judge(LlmBackend backend) {
        return PointwiseGrm.builder(backend).template(template).scoreRange(range).maxResponses(Integer.MAX_VALUE)
                .build();
    }

    /** The hint for a sample that shows the responses in {@code order}. */
    private static String hint(int size, List<Integer> order, int label) {
        return size == 1
                ? "Hint: the response deserves a score of " + label + "."
                : "Hint: response " + (order.indexOf(label) + 1) + " is the best one.";
    }

    /** Passes each call on with the hint appended to its last (user) message. */
    private record Hinting(LlmBackend backend, String hint) implements LlmBackend {

        @Override
        public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
            return backend.completeAsync(new CompletionRequest(withHint(request.messages(), hint), request.sampling(),
                    request.output(), request.n()));
        }

        @Override
        public String modelName() {
            return backend.modelName();
        }
    }

    /** The prompt with the hint appended to its last (user) message. */
    private static List<Message> withHint(List<Message> messages, String hint) {
        List<Message> hinted = new ArrayList<>(messages);
        Message last = hinted.remove(hinted.size() - 1);
        hinted.add(new Message(last.role(), last.content() + "\n\n" + hint));
        return hinted;
    }

    /** Configures an {@link RftSampler}; each setter checks its argument. Not thread-safe. */
    public static final class Builder {

        private final LlmBackend backend;
        private int n = DEFAULT_N;
        private boolean hinted;
        private long seed;
        private boolean shuffle = true;
        private SamplingOptions sampling = SamplingOptions.sampled(SamplingOptions.PAPER_TEMPERATURE);
        private PromptTemplate template = PromptTemplate.defaultTemplate();
        private ScoreRange range = ScoreRange.DEFAULT;

        private Builder(LlmBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
        }

        /** Non-hinted samples per item, >= 1; {@value #DEFAULT_N} by default, as in the paper. */
        public Builder n(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("n must be >= 1, was " + n);
            }
            this.n = n;
            return this;
        }

        /** Whether an item that is not too easy gets one hinted sample; false by default. */
        public Builder hinted(boolean hinted) {
            this.hinted = hinted;
            return this;
        }

        /** The seed every order and provider seed derives from; 0 by default. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Whether each sample shows the responses in its own random order; true by default. */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /**
         * Temperature, output budget and stop sequences of each sample; the paper's temperature 0.5 by
         * default. The seed is replaced per sample.
         */
        public Builder sampling(SamplingOptions sampling) {
            this.sampling = Objects.requireNonNull(sampling, "sampling");
            return this;
        }

        /** The judge's prompt template; the shipped default by default. */
        public Builder template(PromptTemplate template) {
            this.template = Objects.requireNonNull(template, "template");
            return this;
        }

        /** The score range the judge is told and held to; 1..10 by default. */
        public Builder scoreRange(ScoreRange range) {
            this.range = Objects.requireNonNull(range, "range");
            return this;
        }

        public RftSampler build() {
            return new RftSampler(this);
        }
    }
}
