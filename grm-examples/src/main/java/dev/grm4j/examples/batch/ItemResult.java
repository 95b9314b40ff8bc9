package dev.grm4j.examples.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Outcome;
import dev.grm4j.core.Reward;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;

/** What became of one input line: scored, a failed judgement, a vote, or not a valid item at all. */
public sealed interface ItemResult permits ItemResult.OfItem, ItemResult.Invalid {

    /** The outcome name of a line that was not a valid item; the others use {@link dev.grm4j.core.Outcome}. */
    String INVALID_INPUT = "INVALID_INPUT";

    /** The outcome of a vote with fewer valid samples than its quorum, not all of them lost to the backend. */
    String NO_QUORUM = "NO_QUORUM";

    /** 1-based line number in the input file; 0 when the input has none (a Spark row). */
    int line();

    /** The item's id as written in the input, or null when it could not be read. */
    JsonNode id();

    /** {@code SCORED}, {@code UNPARSEABLE}, {@code TRUNCATED}, {@code BACKEND_ERROR} or {@link #INVALID_INPUT}. */
    String outcome();

    /** A result about an item that parsed: its line and id are the item's. */
    sealed interface OfItem extends ItemResult permits Rewarded, Failed, Voted {

        BenchmarkItem item();

        @Override
        default int line() {
            return item().line();
        }

        @Override
        default JsonNode id() {
            return item().id();
        }
    }

    record Rewarded(BenchmarkItem item, Reward reward) implements OfItem {
        @Override
        public String outcome() {
            return reward.judgement().outcome().name();
        }
    }

    record Failed(BenchmarkItem item, Judgement judgement) implements OfItem {
        @Override
        public String outcome() {
            return judgement.outcome().name();
        }
    }

    /**
     * A vote of k samples ({@code grm score --k}). Its outcome is {@code SCORED} when it voted;
     * {@code BACKEND_ERROR} when it missed its quorum and every failed sample was the backend's (so a
     * judge that is not there stops the run as it does for single judgements); {@link #NO_QUORUM} when
     * samples the judge did answer failed too.
     *
     * @param mode the adaptive mode it ran under
     */
    record Voted(BenchmarkItem item, VoteResult vote, VotingGrm.Adaptive mode) implements OfItem {
        @Override
        public String outcome() {
            return switch (vote.status()) {
                case VOTED -> Outcome.SCORED.name();
                case INVALID_REQUEST -> INVALID_INPUT;
                case NO_QUORUM -> vote.outcomes().keySet().stream()
                        .allMatch(outcome -> outcome == Outcome.SCORED || outcome == Outcome.BACKEND_ERROR)
                        ? Outcome.BACKEND_ERROR.name() : NO_QUORUM;
            };
        }
    }

    /** @param error what is wrong, naming the field; starting with "line N: " when the input has line numbers (N > 0) */
    record Invalid(int line, JsonNode id, String error) implements ItemResult {
        @Override
        public String outcome() {
            return INVALID_INPUT;
        }
    }
}
