package dev.grm4j.examples.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Reward;

/** What became of one input line: scored, a failed judgement, or not a valid item at all. */
public sealed interface ItemResult permits ItemResult.Rewarded, ItemResult.Failed, ItemResult.Invalid {

    /** The outcome name of a line that was not a valid item; the others use {@link dev.grm4j.core.Outcome}. */
    String INVALID_INPUT = "INVALID_INPUT";

    /** 1-based line number in the input file. */
    int line();

    /** The item's id as written in the input, or null when it could not be read. */
    JsonNode id();

    /** {@code SCORED}, {@code UNPARSEABLE}, {@code TRUNCATED}, {@code BACKEND_ERROR} or {@link #INVALID_INPUT}. */
    String outcome();

    record Rewarded(BenchmarkItem item, Reward reward) implements ItemResult {
        @Override
        public int line() {
            return item.line();
        }

        @Override
        public JsonNode id() {
            return item.id();
        }

        @Override
        public String outcome() {
            return reward.judgement().outcome().name();
        }
    }

    record Failed(BenchmarkItem item, Judgement judgement) implements ItemResult {
        @Override
        public int line() {
            return item.line();
        }

        @Override
        public JsonNode id() {
            return item.id();
        }

        @Override
        public String outcome() {
            return judgement.outcome().name();
        }
    }

    /** @param error what is wrong, starting with "line N: " and naming the field */
    record Invalid(int line, JsonNode id, String error) implements ItemResult {
        @Override
        public String outcome() {
            return INVALID_INPUT;
        }
    }
}
