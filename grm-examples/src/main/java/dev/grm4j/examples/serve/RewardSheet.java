package dev.grm4j.examples.serve;

import dev.grm4j.core.Outcome;
import dev.grm4j.core.ScoreRange;
import dev.grm4j.voting.VoteResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rewards of one answer's rollouts, each a reward or a failure, in the shapes the RL contracts read.
 *
 * <p>A rollout whose vote failed is masked, never given a made-up number: its reward and score are
 * {@code null} and its {@code valid} flag is 0. But a failure a retry can cure (a backend error, samples
 * that never got a call before the deadline) makes the whole answer a 503 instead, so that the client
 * retries; the retry is seeded as the first try was, so the rollouts that did get a vote get the same
 * rewards again. A masked rollout is one the judge answered and could not score (unparseable or
 * invalid output): with the same seed a retry would fail the same way.
 */
final class RewardSheet {

    /** One rollout's reward, on the judge's scale and in 0..1, and the figures of its vote. */
    record RolloutReward(double reward, double score, double variance, int validSamples, int parseFailures,
                         boolean emptyResponse) {

        /** An empty generation fails every criterion: the floor, without a judge call, and it says so. */
        static RolloutReward empty(ScoreRange range) {
            return new RolloutReward(range.min(), 0, 0, 0, 0, true);
        }

        /** The mean vote of response {@code index} of a vote that stands. */
        static RolloutReward of(VoteResult result, int index, ScoreRange range) {
            double mean = result.means().get(index);
            return new RolloutReward(mean, (mean - range.min()) / (range.max() - range.min()),
                    result.variances().get(index), result.validSamples(), RewardSheet.parseFailures(result), false);
        }

        /** {@code /v1/reward}'s answer: one rollout. */
        Map<String, Object> toMap() {
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("reward", reward);
            answer.put("score", score);
            answer.put("valid", true);
            answer.put("empty_response", emptyResponse);
            answer.put("vote_variance", variance);
            answer.put("valid_samples", validSamples);
            answer.put("parse_failures", parseFailures);
            return answer;
        }
    }

    /** A rollout without a reward: why, what its vote did, and whether a retry may cure it. */
    private record Failed(String message, int validSamples, int parseFailures, boolean retryable) {
    }

    private final ScoreRange range;
    private final List<Object> rollouts = new ArrayList<>();

    RewardSheet(ScoreRange range) {
        this.range = range;
    }

    void empty() {
        rollouts.add(RolloutReward.empty(range));
    }

    /** Rollout {@code index} of {@code result}'s responses: its reward when the vote stands, else its failure. */
    void vote(VoteResult result, int index, String where) {
        if (result.isVoted()) {
            rollouts.add(RolloutReward.of(result, index, range));
        } else {
            rollouts.add(new Failed(where + "no reward: " + Failures.noVote(result), result.validSamples(),
                    parseFailures(result), Failures.retryable(result)));
        }
    }

    /**
     * The 503 to answer instead of this sheet, or null when the sheet stands: every rollout failed, or one
     * failed for a reason a retry may cure.
     */
    Handlers.Answer unavailable() {
        List<Failed> failed = failures();
        boolean none = failed.size() == rollouts.size() && !rollouts.isEmpty();
        Failed retryable = failed.stream().filter(Failed::retryable).findFirst().orElse(null);
        if (retryable != null) {
            return Handlers.unavailable(retryable.message());
        }
        return none ? Handlers.unavailable(failed.get(0).message()) : null;
    }

    /** OpenRLHF's shape: {@code rewards}, {@code scores}, numeric {@code extra_logs} with the mask, {@code failures}. */
    Map<String, Object> openRlhf() {
        Map<String, Object> logs = new LinkedHashMap<>();
        logs.put("valid", column(r -> 1.0, f -> 0.0));
        logs.put("vote_variance", column(RolloutReward::variance, f -> 0.0));
        logs.put("valid_samples", column(r -> (double) r.validSamples(), f -> (double) f.validSamples()));
        logs.put("parse_failures", column(r -> (double) r.parseFailures(), f -> (double) f.parseFailures()));
        logs.put("empty_response", column(r -> r.emptyResponse() ? 1.0 : 0.0, f -> 0.0));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("rewards", column(RolloutReward::reward, f -> null));
        answer.put("scores", column(RolloutReward::score, f -> null));
        answer.put("extra_logs", logs);
        answer.put("failures", failureList());
        return answer;
    }

    /** The group shape: one list per figure, {@code valid} as booleans, {@code failures}. */
    Map<String, Object> group() {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("rewards", column(RolloutReward::reward, f -> null));
        answer.put("scores", column(RolloutReward::score, f -> null));
        answer.put("valid", column(r -> true, f -> false));
        answer.put("empty_response", column(RolloutReward::emptyResponse, f -> false));
        answer.put("vote_variance", column(RolloutReward::variance, f -> null));
        answer.put("failures", failureList());
        return answer;
    }

    private List<Failed> failures() {
        return rollouts.stream().filter(Failed.class::isInstance).map(Failed.class::cast).toList();
    }

    private List<Map<String, Object>> failureList() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (int i = 0; i < rollouts.size(); i++) {
            if (rollouts.get(i) instanceof Failed failed) {
                list.add(Map.of("index", i, "message", failed.message()));
            }
        }
        return list;
    }

    private <T> List<T> column(java.util.function.Function<RolloutReward, T> rewarded,
                               java.util.function.Function<Failed, T> failed) {
        List<T> values = new ArrayList<>(rollouts.size());
        for (Object rollout : rollouts) {
            values.add(rollout instanceof RolloutReward reward ? rewarded.apply(reward) : failed.apply((Failed) rollout));
        }
        return values;
    }

    private static int parseFailures(VoteResult result) {
        return result.outcomes().getOrDefault(Outcome.UNPARSEABLE, 0);
    }
}
