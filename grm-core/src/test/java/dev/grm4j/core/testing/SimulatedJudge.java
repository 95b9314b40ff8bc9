package dev.grm4j.core.testing;

import dev.grm4j.core.Message;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.ScoreRange;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.internal.Fences;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A judge without a model, for dry runs, benchmarks and tests: it reads the fenced responses out of a
 * GRM prompt and writes well-formed GRM output (principles, a critique per response, and
 * {@code Scores: \boxed{...}}) whose correctness, position bias and failure rate are knobs.
 *
 * <pre>{@code
 * GroundTruth truth = GroundTruth.create().register(List.of(good, bad), 0);
 * LlmBackend judge = SimulatedJudge.builder()
 *         .groundTruth(truth)
 *         .accuracy(0.7)
 *         .latency(Duration.ofMillis(200))
 *         .build();
 * }</pre>
 *
 * <p><b>How one sample is scored.</b> The judge reads the presented responses from the call's output
 * spec (a raw prompt without one, as the HTTP path delivers it, is searched for fences with
 * {@link Fences#extract(String)} over all message contents), then, for two or more responses:
 * <ol>
 *   <li>with probability {@code positionBias} the response at position 1 gets the strict top score,
 *       whatever it is;</li>
 *   <li>otherwise, when the {@link GroundTruth} knows the set, with probability {@code accuracy} the
 *       true best response gets the strict top score (a correct sample in the paper's sense: strictly
 *       higher than every other); else a random other response gets the top score, tied with the best
 *       one in a quarter of those cases and strictly above it otherwise;</li>
 *   <li>for a set the ground truth does not know, every score is drawn at random.</li>
 * </ol>
 * Scores that decide nothing spread below the top one by {@code scoreNoise}; a single response gets a
 * random score. With probability {@code malformedRate} the output is malformed in one of several ways a
 * strict parser rejects: no box, a wrong number of scores, a score out of range, no {@code Scores:}
 * label, or scores written as prose.
 *
 * <p><b>Careless samples.</b> Before any of that, with probability {@code carelessRate} (0 by default) a
 * sample is careless, the low-quality trajectory a meta reward model exists to filter out: every score is
 * drawn uniformly from the upper 70% of the range, whatever the ground truth and the position bias say,
 * and the text differs the way a real GRM's careless samples do: one or two short, generic principles
 * ("1. Quality (100%): The response should be good."), and a short critique that skips at least one
 * response (it names at most N-1 of them, without quoting any); {@code malformedRate} applies to it as
 * to any sample. The careless draw comes from a random stream of its own, so the other samples are
 * exactly those of a judge without the knob, and keep the configured accuracy.
 *
 * <p><b>Determinism.</b> The randomness of a call is seeded from the judge's seed, the request's
 * {@link SamplingOptions#seed()} if present, and a hash of the prompt; so the same call gives the same
 * text on any thread, in any interleaving. Only when the request has no seed and a temperature above 0
 * is a per-judge call counter mixed in, so that repeated unseeded samples differ, as they would from a
 * real model. With {@link Builder#drawsByOccurrence(boolean)} the seed is instead the responses in
 * their order and how many samples of them came before: see there.
 *
 * <p><b>Budget and usage.</b> Tokens are estimated as {@code ceil(chars / 4)}. Output longer than
 * {@code maxOutputTokens} is cut to {@code maxOutputTokens * 4} characters and answered with
 * {@link FinishReason#LENGTH}; stop sequences cut the output before the first one found.
 *
 * <p>Instances are immutable apart from the call counter, and thread-safe.
 */
public final class SimulatedJudge implements LlmBackend {

    /** The principles every simulated output states, in the paper's layout. */
    private static final String CRITERIA = """
            Specific Criteria:
            1. Instruction adherence (40%): The response must do what the query asks, completely and \
            within its constraints.
            2. Accuracy (35%): Facts, numbers and reasoning must be correct; confident errors weigh heavily.
            3. Clarity (25%): The response should be well organized and no longer than the query needs.
            """;

    /** Principles a careless sample picks one or two of: short, and true of any query. */
    private static final String[] GENERIC_PRINCIPLES = {
            "Quality: The response should be good.",
            "Helpfulness: The answer should be helpful.",
            "Overall: A better response is better.",
            "Correctness: It should be correct.",
            "Relevance: The response should be relevant."};

    /** What a careless critique says of a response it does look at. */
    private static final String[] CARELESS_REMARKS = {
            "looks fine.", "seems okay.", "is not great.", "is decent.", "could be better."};

    /** What a careless critique says when it names no response at all. */
    private static final String[] CARELESS_SUMMARIES = {
            "Looks fine overall.", "Seems okay.", "Nothing stands out."};

    /** Salts the careless stream so that it never shares draws with the main one. */
    private static final long CARELESS_SALT = 0x1F83D9ABFB41BD6BL;

    /** Salts of the item latents: the careful samples' and the careless samples' are independent. */
    private static final long ITEM_SALT = 0x1F83D9ABFB41BD6BL;
    private static final long CARELESS_ITEM_SALT = 0x5BE0CD19137E2179L;
    private static final long CARELESS_RATE_SALT = 0x1F83D9ABFB41BD6BL ^ 0x5BE0CD19137E2179L;

    /** Of the wrong samples, the share where the wrong top response ties with the best one. */
    private static final double WRONG_TIE_SHARE = 0.25;

    private static final int SNIPPET_WORDS = 8;
    private static final int SNIPPET_CHARS = 60;
    private static final int CHARS_PER_TOKEN = 4;

    private final double accuracy;
    private final double positionBias;
    private final double malformedRate;
    private final double carelessRate;
    private final double itemSpread;
    private final double carelessAccuracy;
    private final double carelessSpread;
    private final double carelessItemSpread;
    private final int carelessMargin;
    private final double carelessTells;
    private final double scoreNoise;
    private final Duration latency;
    private final long seed;
    private final ScoreRange range;
    private final String modelName;
    private final GroundTruth groundTruth;
    private final AtomicLong unseededCalls = new AtomicLong();
    /** Samples drawn so far per presented list, when draws go by occurrence; null otherwise. */
    private final ConcurrentHashMap<List<String>, AtomicLong> occurrences;

    private SimulatedJudge(Builder builder) {
        this.accuracy = builder.accuracy;
        this.positionBias = builder.positionBias;
        this.malformedRate = builder.malformedRate;
        this.carelessRate = builder.carelessRate;
        this.itemSpread = builder.itemSpread;
        this.carelessAccuracy = builder.carelessAccuracy;
        this.carelessSpread = builder.carelessSpread;
        this.carelessItemSpread = builder.carelessItemSpread;
        this.carelessMargin = builder.carelessMargin;
        this.carelessTells = builder.carelessTells;
        this.scoreNoise = builder.scoreNoise;
        this.latency = builder.latency;
        this.seed = builder.seed;
        this.range = builder.range;
        this.modelName = builder.modelName;
        this.groundTruth = builder.groundTruth;
        this.occurrences = builder.drawsByOccurrence ? new ConcurrentHashMap<>() : null;
    }

    /** A builder with the defaults listed on each of its setters. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Answers the prompt without holding any thread while the latency passes: the answer is computed on
     * the calling thread (it takes microseconds), and the future completes after the latency on a
     * shared daemon timer thread. Dependent stages added with the non-async methods run on that timer
     * thread, so keep them short or use the {@code ...Async} variants with an executor of your own.
     * Cancelling the future drops the pending completion and has no other effect.
     *
     * @return a future of the answer; it fails with a non-retriable {@link BackendException} if the
     *         prompt has no fenced responses
     * @throws NullPointerException if {@code request} is null
     */
    /** In process, it always answers; its answers are judgements only, so a ping would be refused. */
    @Override
    public CompletableFuture<Void> probeAsync() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
        Objects.requireNonNull(request, "request");
        Completion completion;
        try {
            completion = answer(request);
        } catch (BackendException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (latency.isZero()) {
            return CompletableFuture.completedFuture(completion);
        }
        CompletableFuture<Completion> future = new CompletableFuture<>();
        ScheduledFuture<?> timer = LatencyTimer.INSTANCE.schedule(
                () -> future.complete(completion), latency.toNanos(), TimeUnit.NANOSECONDS);
        // Without this, cancelled calls would stay queued in the timer until their latency passed.
        future.whenComplete((ignored, failure) -> {
            if (future.isCancelled()) {
                timer.cancel(false);
            }
        });
        return future;
    }

    /** The name given with {@link Builder#modelName(String)}, {@code "simulated-judge"} by default. */
    @Override
    public String modelName() {
        return modelName;
    }

    /** The simulated latency of each call; zero when calls answer at once. */
    public Duration latency() {
        return latency;
    }

    /** The knobs, for logs and reproducibility records. */
    @Override
    public String toString() {
        return "SimulatedJudge[model=" + modelName + ", accuracy=" + accuracy + ", positionBias=" + positionBias
                + ", malformedRate=" + malformedRate + ", carelessRate=" + carelessRate + ", scoreNoise=" + scoreNoise + ", latency=" + latency
                + ", seed=" + seed + ", scoreRange=" + range + ", groundTruth=" + groundTruth + "]";
    }

    /** A raw prompt's responses (the HTTP path has no output spec): the fences over all messages. */
    private static List<String> fenced(CompletionRequest request) {
        StringBuilder prompt = new StringBuilder();
        for (Message message : request.messages()) {
            prompt.append(message.content()).append("\n\n");
        }
        return Fences.extract(prompt.toString());
    }

    /** The answer to one call, without the latency. */
    private Completion answer(CompletionRequest request) {
        Objects.requireNonNull(request, "request");
        List<String> presented = request.output().map(CompletionRequest.OutputSpec::responses)
                .orElseGet(() -> fenced(request));
        if (presented.isEmpty()) {
            throw new BackendException("prompt has no fenced responses", null, false,
                    OptionalInt.empty(), Optional.empty());
        }
        long callSeed = occurrences == null ? callSeed(request) : occurrenceSeed(presented);
        SplittableRandom careless = new SplittableRandom(mix(callSeed ^ CARELESS_SALT));
        String text;
        if (carelessRate > 0 && careless.nextDouble()
                < itemAccuracy(presented, carelessRate, carelessItemSpread, CARELESS_RATE_SALT)) {
            int[] scores = Double.isNaN(carelessAccuracy) ? carelessScores(presented.size(), careless)
                    : leaningScores(presented, careless);
            // An undetectable careless sample reads like any other; only its scores are careless.
            // Drawn only below 1, so that a judge without the knob keeps its careless stream.
            boolean tells = carelessTells >= 1 || careless.nextDouble() < carelessTells;
            text = tells ? renderCareless(presented, scores, careless)
                    : render(presented, scores, careless);
        } else {
            SplittableRandom random = new SplittableRandom(callSeed);
            text = render(presented, scores(presented, random), random);
        }

        FinishReason finish = FinishReason.STOP;
        int stopAt = firstStop(text, request.sampling().stop());
        if (stopAt >= 0) {
            text = text.substring(0, stopAt);
        }
        long budgetChars = (long) request.sampling().maxOutputTokens() * CHARS_PER_TOKEN;
        if (text.length() > budgetChars) {
            int cut = (int) budgetChars;
            // A cut between the halves of a surrogate pair would leave text no encoder can write.
            if (Character.isHighSurrogate(text.charAt(cut - 1))) {
                cut--;
            }
            text = text.substring(0, cut);
            finish = FinishReason.LENGTH;
        }
        long promptChars = request.messages().stream().mapToLong(m -> m.content().length()).sum();
        TokenUsage usage = TokenUsage.of(tokens(promptChars), tokens(text.length()));
        return new Completion(text, usage, finish);
    }

    private long callSeed(CompletionRequest request) {
        SamplingOptions sampling = request.sampling();
        long mixed = mix(seed ^ 0x6A09E667F3BCC909L);
        mixed = mix(mixed ^ (sampling.seed().isPresent() ? mix(sampling.seed().getAsLong()) : 0x3C6EF372FE94F82BL));
        mixed = mix(mixed ^ promptHash(request.messages()));
        if (sampling.seed().isEmpty() && sampling.temperature() > 0) {
            mixed = mix(mixed ^ mix(unseededCalls.getAndIncrement() + 0x510E527FADE682D1L));
        }
        return mixed;
    }

    /** The seed of the next sample of these responses in this order: see {@link Builder#drawsByOccurrence}. */
    private long occurrenceSeed(List<String> presented) {
        long occurrence = occurrences.computeIfAbsent(List.copyOf(presented), key -> new AtomicLong())
                .getAndIncrement();
        long mixed = mix(seed ^ 0x9B05688C2B3E6C1FL);
        mixed = mix(mixed ^ promptHash(List.of(Message.user(String.join("\u0000", presented)))));
        return mix(mixed ^ mix(occurrence + 0x1F83D9ABFB41BD6BL));
    }

    /** 64-bit FNV-1a over roles and contents: stable across JVMs, unlike identity hashes. */
    private static long promptHash(List<Message> messages) {
        long hash = 0xCBF29CE484222325L;
        for (Message message : messages) {
            hash = (hash ^ message.role().ordinal()) * 0x100000001B3L;
            String content = message.content();
            for (int i = 0; i < content.length(); i++) {
                hash = (hash ^ content.charAt(i)) * 0x100000001B3L;
            }
            hash = (hash ^ 0xFFFF) * 0x100000001B3L;
        }
        return hash;
    }

    /** SplitMix64's finalizer: spreads every input bit over the whole seed. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private int[] scores(List<String> presented, SplittableRandom random) {
        int n = presented.size();
        int[] scores = new int[n];
        // Draw in a fixed order so that one knob never shifts the draws of another.
        int top = topScore(random);
        boolean biased = random.nextDouble() < positionBias;
        boolean accurate = random.nextDouble() < itemAccuracy(presented, accuracy, itemSpread, ITEM_SALT);
        boolean tie = random.nextDouble() < WRONG_TIE_SHARE;
        OptionalInt best = n < 2 ? OptionalInt.empty() : groundTruth.findBestIndex(presented);

        if (n >= 2 && biased) {
            strictTop(scores, 0, top, random);
        } else if (best.isPresent() && accurate) {
            strictTop(scores, best.getAsInt(), top, random);
        } else if (best.isPresent()) {
            int other = random.nextInt(n - 1);
            if (other >= best.getAsInt()) {
                other++;
            }
            strictTop(scores, other, top, random);
            if (tie) {
                scores[best.getAsInt()] = top;
            }
        } else {
            for (int i = 0; i < n; i++) {
                scores[i] = freeScore(random);
            }
        }
        return scores;
    }

    private void strictTop(int[] scores, int winner, int top, SplittableRandom random) {
        for (int i = 0; i < scores.length; i++) {
            scores[i] = i == winner ? top : below(top, random);
        }
    }

    /** Spread unit: a sixth of the range, 1.5 points on the paper's 1..10. */
    private double spread() {
        return scoreNoise * (range.max() - range.min()) / 6.0;
    }

    /** Good answers get high marks from GRMs; leave at least one level below for the others. */
    private int topScore(SplittableRandom random) {
        double centre = range.min() + 0.8 * (range.max() - range.min());
        long score = Math.round(centre + random.nextGaussian() * spread() * 0.5);
        return (int) clamp(score, range.min() + 1, range.max());
    }

    private int below(int top, SplittableRandom random) {
        long gap = 1 + (long) Math.floor(Math.abs(random.nextGaussian()) * spread());
        return (int) clamp(top - gap, range.min(), top - 1);
    }

    private int freeScore(SplittableRandom random) {
        double centre = range.min() + 0.6 * (range.max() - range.min());
        return (int) clamp(Math.round(centre + random.nextGaussian() * spread()), range.min(), range.max());
    }

    private static long clamp(long value, long min, long max) {
        return Math.max(min, Math.min(max, value));
    }

    private String render(List<String> presented, int[] scores, SplittableRandom random) {
        boolean malformed = random.nextDouble() < malformedRate;
        Malformation malformation = Malformation.values()[random.nextInt(Malformation.values().length)];

        StringBuilder out = new StringBuilder(CRITERIA).append("\nAnalysis:\n");
        for (int i = 0; i < presented.size(); i++) {
            out.append("Response ").append(i + 1).append(": It opens with \"")
                    .append(snippet(presented.get(i))).append("\". ")
                    .append(assessment(scores[i], random)).append('\n');
        }
        out.append('\n');
        return verdict(out, scores, malformed, malformation, random);
    }

    /**
     * A careless sample's text: one or two generic principles, and a critique that names at most N-1
     * responses (none for a single response) and quotes none.
     */
    private String renderCareless(List<String> presented, int[] scores, SplittableRandom random) {
        boolean malformed = random.nextDouble() < malformedRate;
        Malformation malformation = Malformation.values()[random.nextInt(Malformation.values().length)];

        int count = 1 + random.nextInt(2);
        int first = random.nextInt(GENERIC_PRINCIPLES.length);
        int second = (first + 1 + random.nextInt(GENERIC_PRINCIPLES.length - 1)) % GENERIC_PRINCIPLES.length;
        StringBuilder out = new StringBuilder("Specific Criteria:\n");
        for (int p = 0; p < count; p++) {
            String principle = GENERIC_PRINCIPLES[p == 0 ? first : second];
            int colon = principle.indexOf(':');
            out.append(p + 1).append(". ").append(principle, 0, colon).append(" (").append(100 / count)
                    .append("%)").append(principle.substring(colon)).append('\n');
        }
        out.append("\nAnalysis:\n");
        int n = presented.size();
        int named = random.nextInt(n);
        boolean[] skip = new boolean[n];
        int skipped = 0;
        while (skipped < n - named) {
            int position = random.nextInt(n);
            if (!skip[position]) {
                skip[position] = true;
                skipped++;
            }
        }
        if (named == 0) {
            out.append(CARELESS_SUMMARIES[random.nextInt(CARELESS_SUMMARIES.length)]).append('\n');
        }
        for (int i = 0; i < n; i++) {
            if (!skip[i]) {
                out.append("Response ").append(i + 1).append(' ')
                        .append(CARELESS_REMARKS[random.nextInt(CARELESS_REMARKS.length)]).append('\n');
            }
        }
        out.append('\n');
        return verdict(out, scores, malformed, malformation, random);
    }

    /**
     * The chance that a sample of this item picks the true best: {@code mean} when samples are
     * independent ({@code spread} 0), else {@code Phi(a + spread * z)} with the item's latent z (a normal
     * drawn from the judge's seed and the set of responses, so every sample and every order of an item
     * sees the same one) and {@code a = PhiInverse(mean) * sqrt(1 + spread^2)}, which keeps the mean over
     * items at {@code mean}.
     */
    private double itemAccuracy(List<String> presented, double mean, double spread, long salt) {
        // A mean of 0 or 1 leaves nothing to spread: every item has it.
        if (spread == 0 || mean <= 0 || mean >= 1) {
            return mean;
        }
        double z = Normal.inverse(itemUniform(presented, salt));
        double a = Normal.inverse(mean) * Math.sqrt(1 + spread * spread);
        return Normal.cdf(a + spread * z);
    }

    /** A uniform in (0, 1) fixed by the seed, the salt and the multiset of responses, not their order. */
    private double itemUniform(List<String> presented, long salt) {
        List<String> sorted = new ArrayList<>(presented);
        Collections.sort(sorted);
        long hash = mix(seed ^ salt);
        for (String response : sorted) {
            hash = mix(hash ^ promptHash(List.of(Message.user(response))));
        }
        return ((hash >>> 11) + 0.5) / (double) (1L << 53);
    }

    /**
     * A careless sample's scores when careless samples lean: it picks the true best with its item's
     * careless accuracy (an own latent per item, independent of the careful samples'), else another
     * response, and it is sure of itself: the others sit {@code carelessMargin} to
     * {@code 2 * carelessMargin} levels below its top.
     */
    private int[] leaningScores(List<String> presented, SplittableRandom random) {
        int n = presented.size();
        int[] scores = new int[n];
        OptionalInt best = n < 2 ? OptionalInt.empty() : groundTruth.findBestIndex(presented);
        if (best.isEmpty()) {
            return carelessScores(n, random);
        }
        boolean right = random.nextDouble() < itemAccuracy(presented, carelessAccuracy, carelessSpread, CARELESS_ITEM_SALT);
        int winner = best.getAsInt();
        if (!right) {
            winner = random.nextInt(n - 1);
            if (winner >= best.getAsInt()) {
                winner++;
            }
        }
        int top = range.max() - random.nextInt(2);
        for (int i = 0; i < n; i++) {
            int gap = carelessMargin + random.nextInt(carelessMargin + 1);
            scores[i] = i == winner ? top : (int) clamp(top - gap, range.min(), top - 1);
        }
        return scores;
    }

    /** Uniform over the upper 70% of the range, whatever the truth: scores a careless sample gives. */
    private int[] carelessScores(int n, SplittableRandom random) {
        int low = range.min() + (int) Math.round(0.3 * (range.max() - range.min()));
        int[] scores = new int[n];
        for (int i = 0; i < n; i++) {
            scores[i] = low + random.nextInt(range.max() - low + 1);
        }
        return scores;
    }

    /** Appends the scores line, well-formed or broken as {@code malformation} says. */
    private String verdict(StringBuilder out, int[] scores, boolean malformed, Malformation malformation,
                           SplittableRandom random) {
        if (!malformed) {
            out.append("Scores: ").append(boxed(scores));
            return out.toString();
        }
        switch (malformation) {
            case MISSING_BOX -> out.append("Scores: ").append(joined(scores));
            case WRONG_COUNT -> {
                int[] wrong = scores.length >= 2 && random.nextBoolean()
                        ? Arrays.copyOf(scores, scores.length - 1)
                        : append(scores, below(range.max(), random));
                out.append("Scores: ").append(boxed(wrong));
            }
            case OUT_OF_RANGE -> {
                int[] wrong = scores.clone();
                wrong[random.nextInt(wrong.length)] = range.max() + 1 + random.nextInt(range.levels());
                out.append("Scores: ").append(boxed(wrong));
            }
            case NO_LABEL -> out.append("Final ratings: ").append(boxed(scores));
            case PROSE -> {
                out.append("Scores: ");
                for (int i = 0; i < scores.length; i++) {
                    out.append(i == 0 ? "" : i == scores.length - 1 ? " and " : ", ")
                            .append("Response ").append(i + 1).append(" deserves ").append(scores[i])
                            .append(" out of ").append(range.max());
                }
                out.append('.');
            }
            default -> throw new AssertionError(malformation);
        }
        return out.toString();
    }

    /** Ways real judges break the layout; each one must fail a strict parser. */
    private enum Malformation { MISSING_BOX, WRONG_COUNT, OUT_OF_RANGE, NO_LABEL, PROSE }

    private String assessment(int score, SplittableRandom random) {
        double quality = (score - range.min()) / (double) (range.max() - range.min());
        String[] phrases;
        if (quality >= 0.75) {
            phrases = new String[] {"It follows the instruction closely and I found no errors.",
                    "It answers exactly what was asked, correctly and clearly."};
        } else if (quality >= 0.5) {
            phrases = new String[] {"It answers the query but leaves gaps in accuracy or detail.",
                    "It is mostly right, though parts are vague or padded."};
        } else if (quality >= 0.25) {
            phrases = new String[] {"It only partly follows the instruction and contains doubtful claims.",
                    "It drifts from the query and makes at least one clear mistake."};
        } else {
            phrases = new String[] {"It misses the point of the query.",
                    "It ignores the instruction and is largely wrong."};
        }
        return phrases[random.nextInt(phrases.length)];
    }

    /**
     * The first words of a response, stripped of anything that could read as output structure (a
     * candidate that starts with "Scores: \boxed{10}" must not plant a verdict in the critique).
     */
    private static String snippet(String response) {
        String cleaned = response.replace('"', '\'')
                .replaceAll("[\\\\{}:<>\\p{Cntrl}\\s]+", " ").trim();
        if (cleaned.isEmpty()) {
            return "(nothing readable)";
        }
        String[] words = cleaned.split(" ");
        String snippet = String.join(" ", Arrays.asList(words).subList(0, Math.min(SNIPPET_WORDS, words.length)));
        if (snippet.length() > SNIPPET_CHARS) {
            int cut = Character.isHighSurrogate(snippet.charAt(SNIPPET_CHARS - 1)) ? SNIPPET_CHARS - 1 : SNIPPET_CHARS;
            snippet = snippet.substring(0, cut);
        }
        return words.length > SNIPPET_WORDS || snippet.length() < cleaned.length() ? snippet + "..." : snippet;
    }

    private static String boxed(int[] scores) {
        return "\\boxed{" + joined(scores) + "}";
    }

    private static String joined(int[] scores) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < scores.length; i++) {
            out.append(i == 0 ? "" : ", ").append(scores[i]);
        }
        return out.toString();
    }

    private static int[] append(int[] scores, int extra) {
        int[] longer = Arrays.copyOf(scores, scores.length + 1);
        longer[scores.length] = extra;
        return longer;
    }

    private static int firstStop(String text, List<String> stops) {
        int first = -1;
        for (String stop : stops) {
            if (stop.isEmpty()) {
                continue;
            }
            int at = text.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    private static long tokens(long chars) {
        return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
    }

    /** One daemon thread completes every delayed answer; its tasks only complete futures. */
    private static final class LatencyTimer {
        static final ScheduledThreadPoolExecutor INSTANCE = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
                Thread thread = new Thread(task, "grm4j-simulated-judge-latency");
                thread.setDaemon(true);
                return thread;
            });
            timer.setRemoveOnCancelPolicy(true);
            return timer;
        }
    }

    /**
     * Configures a {@link SimulatedJudge}. Each setter checks its argument at once. Not thread-safe; the
     * judge it builds is.
     */
    public static final class Builder {

        private double accuracy = 0.65;
        private double positionBias = 0;
        private double malformedRate = 0;
        private double carelessRate = 0;
        private double itemSpread = 0;
        private double carelessAccuracy = Double.NaN;
        private double carelessSpread = 0;
        private double carelessItemSpread;
        private int carelessMargin = 3;
        private double carelessTells = 1;
        private double scoreNoise = 1.0;
        private Duration latency = Duration.ZERO;
        private long seed = 0;
        private boolean drawsByOccurrence;
        private ScoreRange range = ScoreRange.DEFAULT;
        private String modelName = "simulated-judge";
        private GroundTruth groundTruth = GroundTruth.create();

        private Builder() {
        }

        /**
         * The chance that one sample of a set the ground truth knows gives the true best response the
         * strict top score. Default 0.65, about the paper's single-sample accuracy.
         *
         * @throws IllegalArgumentException if {@code p} is not in 0..1
         */
        public Builder accuracy(double p) {
            this.accuracy = probability("accuracy", p);
            return this;
        }

        /**
         * The chance that one sample gives the strict top score to the response at position 1, whatever
         * it is; decided before accuracy. Default 0.
         *
         * @throws IllegalArgumentException if {@code b} is not in 0..1
         */
        public Builder positionBias(double b) {
            this.positionBias = probability("positionBias", b);
            return this;
        }

        /**
         * The chance that one sample's output breaks the layout so that a strict parser rejects it.
         * Default 0.
         *
         * @throws IllegalArgumentException if {@code m} is not in 0..1
         */
        public Builder malformedRate(double m) {
            this.malformedRate = probability("malformedRate", m);
            return this;
        }

        /**
         * The chance that one sample is careless: near-random scores (uncorrelated with the ground truth)
         * and the text of a careless trajectory, with fewer, shorter, generic principles and a short
         * critique that skips at least one response. Decided before, and independently of, position bias
         * and accuracy; the other samples keep the configured accuracy. Default 0.
         *
         * @throws IllegalArgumentException if {@code r} is not in 0..1
         */
        public Builder carelessRate(double r) {
            this.carelessRate = probability("carelessRate", r);
            return this;
        }

        /**
         * How much items differ in carelessness: with spread s, an item's careless rate is
         * {@code Phi(a + s w)} over an item latent w of its own (independent of its difficulty), the mean
         * over items staying {@link #carelessRate(double)}. On a few items most samples are then careless,
         * which a majority vote cannot fix and a meta RM can, as in the paper's Table 2. 0 (the default)
         * gives every item the same rate.
         *
         * @throws IllegalArgumentException if {@code s} is negative or not finite
         */
        public Builder carelessItemSpread(double s) {
            this.carelessItemSpread = nonNegative("carelessItemSpread", s);
            return this;
        }

        /**
         * How much items differ in difficulty, as the spread b of a latent: a sample of an item with
         * latent z picks the true best with chance {@code Phi(a + b z)}, the mean over items staying
         * {@link #accuracy(double)}. 0 (the default) makes every sample independent of the item, so that
         * Voting@k climbs to 100%; a real judge decides most items the same way in nearly every sample,
         * which the paper's curves show (see docs/simulator.md).
         *
         * @throws IllegalArgumentException if {@code b} is negative or not finite
         */
        public Builder itemSpread(double b) {
            this.itemSpread = nonNegative("itemSpread", b);
            return this;
        }

        /**
         * Makes careless samples lean: each picks the true best with this mean chance (over items), with
         * an item latent of its own spread ({@code spread}, independent of the careful samples'), and is
         * sure of itself, its other scores {@code margin} to {@code 2 * margin} levels below its top. By
         * default careless scores are uniform over the upper 70% of the range instead.
         *
         * @throws IllegalArgumentException if {@code mean} is not in (0, 1), {@code spread} is negative or
         *                                  {@code margin} is not positive
         */
        public Builder carelessLean(double mean, double spread, int margin) {
            if (!(mean > 0 && mean < 1)) {
                throw new IllegalArgumentException("careless accuracy must be in (0, 1), was " + mean);
            }
            if (margin < 1) {
                throw new IllegalArgumentException("careless margin must be >= 1, was " + margin);
            }
            this.carelessAccuracy = mean;
            this.carelessSpread = nonNegative("carelessSpread", spread);
            this.carelessMargin = margin;
            return this;
        }

        /**
         * The chance that a careless sample shows it in its text (generic principles, a critique that
         * skips responses); the others read like careful samples, and a meta reward model can only
         * learn to spot the first kind. Default 1.
         *
         * @throws IllegalArgumentException if {@code d} is not in 0..1
         */
        public Builder carelessTells(double d) {
            this.carelessTells = probability("carelessTells", d);
            return this;
        }

        /**
         * How widely the scores that decide nothing spread, in units of a sixth of the score range;
         * 0 puts every non-top score one level below the top. The decided ordering is kept whatever
         * the noise, and scores are clamped to the range. Default 1.0.
         *
         * @throws IllegalArgumentException if {@code s} is negative or not finite
         */
        public Builder scoreNoise(double s) {
            if (!(s >= 0 && Double.isFinite(s))) {
                throw new IllegalArgumentException("scoreNoise must be finite and >= 0, was " + s);
            }
            this.scoreNoise = s;
            return this;
        }

        /**
         * How long each call takes. Default zero.
         *
         * @throws NullPointerException     if {@code latency} is null
         * @throws IllegalArgumentException if {@code latency} is negative
         */
        public Builder latency(Duration latency) {
            Objects.requireNonNull(latency, "latency");
            if (latency.isNegative()) {
                throw new IllegalArgumentException("latency must be >= 0, was " + latency);
            }
            this.latency = latency;
            return this;
        }

        /**
         * Whether a sample's randomness comes from the responses in the order shown and the number of
         * samples of that order drawn before it, instead of from the prompt's text and the sampling seed.
         * Two runs that ask the same judge about the same items in different ways (another template,
         * samples batched as n per call or not, other seeds) then draw the same samples: the j-th sample of
         * an order is the same in both, so their figures differ only by what the ways of asking change
         * (common random numbers). The samples of one order are exchangeable, so a vote over them does not
         * depend on the order the calls arrive in. Off by default: then the same call always gives the same
         * text, which this mode gives up.
         */
        public Builder drawsByOccurrence(boolean byOccurrence) {
            this.drawsByOccurrence = byOccurrence;
            return this;
        }

        /** The judge's own seed, mixed into every call's randomness. Default 0. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The range the scores fall in. Default 1..10.
         *
         * @throws NullPointerException if {@code range} is null
         */
        public Builder scoreRange(ScoreRange range) {
            this.range = Objects.requireNonNull(range, "range");
            return this;
        }

        /**
         * The name reported by {@link SimulatedJudge#modelName()}. Default {@code "simulated-judge"}.
         *
         * @throws NullPointerException     if {@code modelName} is null
         * @throws IllegalArgumentException if {@code modelName} is blank
         */
        public Builder modelName(String modelName) {
            Objects.requireNonNull(modelName, "modelName");
            if (modelName.isBlank()) {
                throw new IllegalArgumentException("modelName must not be blank, was \"" + modelName + "\"");
            }
            this.modelName = modelName;
            return this;
        }

        /**
         * Which response of each known set is the best. The judge reads it live, so sets registered after
         * {@link #build()} count too. Default: an empty ground truth, so every set gets random scores.
         *
         * @throws NullPointerException if {@code groundTruth} is null
         */
        public Builder groundTruth(GroundTruth groundTruth) {
            this.groundTruth = Objects.requireNonNull(groundTruth, "groundTruth");
            return this;
        }

        /** A judge with the settings so far; the builder may be reused. */
        public SimulatedJudge build() {
            return new SimulatedJudge(this);
        }

        private static double nonNegative(String knob, double value) {
            if (!(value >= 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException(knob + " must be a finite number >= 0, was " + value);
            }
            return value;
        }

        private static double probability(String knob, double value) {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException(knob + " must be in 0..1, was " + value);
            }
            return value;
        }
    }
}
