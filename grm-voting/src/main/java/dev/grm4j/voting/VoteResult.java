package dev.grm4j.voting;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.internal.Json;
import dev.grm4j.core.Outcome;
import dev.grm4j.core.TokenUsage;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The result of voting one request: every sample, and, when the quorum was met, the summed scores.
 *
 * <p>Totals are in the request's order of responses: total of response i = the sum of its scores over
 * the valid samples, in {@code [validSamples * min, validSamples * max]}. Accessors of the vote
 * ({@link #totals()}, {@link #best()}, ...) throw unless {@link #status()} is {@link VoteStatus#VOTED};
 * a failed vote never yields a number.
 */
public final class VoteResult {

    private final VoteStatus status;
    private final String failure;
    private final Tally tally;
    private final List<Judgement> samples;
    private final List<SampleCall> calls;
    private final int samplesRequested;
    private final int quorum;
    private final long seed;
    private final double sharedPrefixShare;

    VoteResult(VoteStatus status, @Nullable String failure, @Nullable Tally tally, List<Judgement> samples,
               List<SampleCall> calls, int samplesRequested, int quorum, long seed, double sharedPrefixShare) {
        this.status = Objects.requireNonNull(status, "status");
        this.failure = failure;
        this.tally = tally;
        this.samples = List.copyOf(samples);
        this.calls = List.copyOf(calls);
        this.samplesRequested = samplesRequested;
        this.quorum = quorum;
        this.seed = seed;
        this.sharedPrefixShare = sharedPrefixShare;
        if ((status == VoteStatus.VOTED) != (tally != null)) {
            throw new IllegalArgumentException("a tally belongs to a VOTED result only, status was " + status);
        }
    }

    static VoteResult invalid(String reason, int samplesRequested, int quorum, long seed) {
        return new VoteResult(VoteStatus.INVALID_REQUEST, reason, null, List.of(), List.of(), samplesRequested, quorum,
                seed, 0);
    }

    public VoteStatus status() {
        return status;
    }

    public boolean isVoted() {
        return status == VoteStatus.VOTED;
    }

    /** Why the vote failed; empty when it was voted. */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /** Summed scores per response, in the request's order. */
    public List<Integer> totals() {
        return voted().totals();
    }

    /** The index of the best response; among equal totals, a seeded random draw. */
    public int best() {
        return voted().winner().index();
    }

    /** Whether several responses shared the top total and {@link #best()} was drawn among them. */
    public boolean tieBroken() {
        return voted().winner().tieBroken();
    }

    /** Every index that shared the top total, ascending. */
    public List<Integer> tied() {
        return voted().winner().tied();
    }

    /** Mean score per response on the judge's scale (e.g. 1..10): total / valid samples. */
    public List<Double> means() {
        return voted().means();
    }

    /** Population variance of each response's scores over the valid samples. */
    public List<Double> variances() {
        return voted().variances();
    }

    /**
     * Per response, how many valid samples gave each score: {@code histograms().get(i).get(s - min)} is the
     * count of score {@code s} for response {@code i}.
     */
    public List<List<Integer>> histograms() {
        return voted().histograms();
    }

    /** The share of valid samples whose own top response (strictly or tied) is the final best, in 0..1. */
    public double agreement() {
        return voted().agreement();
    }

    /** Every sample that ran, in sample-index order, failed ones included. */
    public List<Judgement> samples() {
        return samples;
    }

    /** k, the samples asked for. */
    public int samplesRequested() {
        return samplesRequested;
    }

    /**
     * Which call each sample came from, sample for sample; empty for a revote (its samples were given).
     * What the record's per-sample seed, call and choice come from.
     */
    List<SampleCall> calls() {
        return calls;
    }

    /**
     * @param index  the sample's index in the design, 0..k-1
     * @param seed   the seed of the completion: the call's own when the backend samples all its choices
     *               in one call, else the one derived for this choice
     * @param call   which call of the request it came from, from 0 (retries are calls of their own)
     * @param choice its place among that call's n completions
     */
    record SampleCall(int index, long seed, int call, int choice) {
    }

    /** The samples that ran; fewer than k when an adaptive stop ended the request early. */
    public int samplesRun() {
        return samples.size();
    }

    /** The samples that were scored and voted. */
    public int validSamples() {
        return (int) samples.stream().filter(Judgement::isScored).count();
    }

    /** The valid samples required for a vote. */
    public int quorum() {
        return quorum;
    }

    /** How many samples ended in each outcome. */
    public Map<Outcome, Integer> outcomes() {
        Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
        samples.forEach(sample -> counts.merge(sample.outcome(), 1, Integer::sum));
        return counts;
    }

    /** The request's seed, from which every permutation, sampling seed and tie-break was derived. */
    public long seed() {
        return seed;
    }

    /** Tokens of every sample together. */
    public TokenUsage usage() {
        return samples.stream().map(Judgement::usage).reduce(TokenUsage.ZERO, TokenUsage::plus);
    }

    /**
     * The share of each sample's prompt that precedes the responses and is the same in every sample
     * (instructions, criteria, conversation, reference), in 0..1: what a server with a prefix cache
     * computes once per request instead of once per sample.
     */
    public double sharedPrefixShare() {
        return sharedPrefixShare;
    }

    /** Input tokens a prefix cache can serve: all samples but the first, times the shared share. */
    public long cacheableInputTokens() {
        long input = samples.stream().mapToLong(sample -> sample.usage().inputTokens()).sum();
        long first = samples.isEmpty() ? 0 : samples.get(0).usage().inputTokens();
        return Math.round((input - first) * sharedPrefixShare);
    }

    /** The order each sample presented the responses in (see {@link Judgement#order()}). */
    public List<List<Integer>> permutations() {
        return samples.stream().map(Judgement::order).toList();
    }

    /** ": 2 UNPARSEABLE (expected 2 scores, found 3), 1 BACKEND_ERROR (HTTP 500: ...)", or "" when none failed. */
    static String describeFailures(List<Judgement> samples) {
        Map<Outcome, List<String>> reasons = new EnumMap<>(Outcome.class);
        for (Judgement sample : samples) {
            if (!sample.isScored()) {
                reasons.computeIfAbsent(sample.outcome(), outcome -> new java.util.ArrayList<>())
                        .add(sample.failure().orElse(""));
            }
        }
        if (reasons.isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder(":");
        reasons.forEach((outcome, list) -> text.append(text.length() > 1 ? "," : "").append(' ')
                .append(list.size()).append(' ').append(outcome).append(" (").append(list.get(0)).append(')'));
        return text.toString();
    }

    private Tally voted() {
        if (tally == null) {
            throw new IllegalStateException("no vote: " + status + " (" + failure + ")");
        }
        return tally;
    }

    @Override
    public String toString() {
        return isVoted()
                ? "VoteResult[VOTED totals " + totals() + ", best " + best() + ", " + validSamples() + "/"
                + samplesRun() + " valid]"
                : "VoteResult[" + status + ": " + failure + "]";
    }

    /** What became of one voted request. */
    public enum VoteStatus {
        /** At least the quorum of samples were scored; the totals and the best response stand. */
        VOTED,
        /** Fewer valid samples than the quorum: no score is reported, only the samples and why they failed. */
        NO_QUORUM,
        /** The request itself was rejected (e.g. more responses than the model allows); no call was made. */
        INVALID_REQUEST
    }

    /**
     * A reproducibility record of one vote: what was asked, how it was sampled, and what every sample
     * gave. Together with the request itself it is enough to rerun the vote and compare. Holds no
     * credentials and no prompt text.
     *
     * @param templateVersion  the prompt template's version
     * @param model            the backend's model name
     * @param temperature      sampling temperature
     * @param maxOutputTokens  output budget per sample
     * @param votingSeed       the seed the voting model was built with
     * @param requestSeed      the seed derived for this request (voting seed and content fingerprint)
     * @param k                samples asked for
     * @param quorum           valid samples required
     * @param shuffle          whether responses were shown in other orders than the request's
     * @param orders           how the orders were chosen: BALANCED, RANDOM or OFF
     * @param adaptive         the adaptive stopping rule: OFF, EXACT or AUTO
     * @param samplesRun       the samples that ran (k unless an adaptive rule stopped early)
     * @param calls            the calls made for them (several samples of one order share a call)
     * @param samplesInOneCall whether a call for n samples was one backend call of n completions (the
     *                         seeds are then the call's), or n calls seeded {@code Seeds.choice(seed, i)}
     * @param status           the vote's status
     * @param failure          why it failed, or null
     * @param totals           summed scores, or null unless voted
     * @param best             the best response, or null unless voted
     * @param tieBroken        whether the best was drawn among tied totals, or null unless voted
     * @param samples          every sample that ran
     */
    public record VoteRecord(String templateVersion, String model, double temperature, int maxOutputTokens,
                             long votingSeed, long requestSeed, int k, int quorum, boolean shuffle, String orders,
                             String adaptive, int samplesRun, int calls, boolean samplesInOneCall,
                             String status, @Nullable String failure, @Nullable List<Integer> totals,
                             @Nullable Integer best, @Nullable Boolean tieBroken,
                             List<Sample> samples) {

        /**
         * One sample.
         *
         * @param index        its index, 0..k-1
         * @param order        the presentation order
         * @param samplingSeed the seed of this completion (see {@link VoteRecord#samplesInOneCall()})
         * @param call         which of the request's calls it came from
         * @param choice       its place among that call's completions
         * @param outcome      SCORED, UNPARSEABLE, TRUNCATED or BACKEND_ERROR
         * @param failure      why it failed, or null
         * @param scores       its scores in the request's order, or null unless scored
         * @param inputTokens  prompt tokens
         * @param outputTokens completion tokens
         * @param latencyMs    wall time of the call
         */
        public record Sample(int index, List<Integer> order, long samplingSeed, int call, int choice, String outcome,
                             @Nullable String failure,
                             @Nullable List<Integer> scores, long inputTokens, long outputTokens, long latencyMs) {
        }

        /** One line of JSON. */
        public String toJson() {
            try {
                return Json.MAPPER.writeValueAsString(this);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a vote record is plain data and always serializes", e);
            }
        }
    }
}
