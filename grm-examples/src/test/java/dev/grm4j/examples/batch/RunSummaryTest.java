package dev.grm4j.examples.batch;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.TokenUsage;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

class RunSummaryTest {

    @Test
    void says_only_how_many_were_scored_when_all_were() {
        RunSummary summary = new RunSummary();

        assertThat(summary.describe()).isEqualTo("scored 0 of 0 lines");
        assertThat(summary.allScored()).isTrue();
    }

    @Test
    void lists_failures_by_outcome_in_a_fixed_order_and_caps_long_lists() {
        RunSummary summary = new RunSummary();
        summary.record(unparseable(2));
        for (int line = 3; line <= 14; line++) {
            summary.record(new ItemResult.Invalid(line, null, "line " + line + ": blank line"));
        }

        assertThat(summary.allScored()).isFalse();
        assertThat(summary.describe()).isEqualTo("scored 0 of 13 lines (12 invalid input: lines 3, 4, 5, 6, 7, 8, 9, "
                + "10, 11, 12 and 2 more; 1 unparseable: line 2)");
    }

    private static ItemResult unparseable(int line) {
        BenchmarkItem item = new BenchmarkItem(line, null, GrmRequest.of("q", "a"), OptionalInt.empty());
        return new ItemResult.Failed(item,
                Judgement.unparseable("no box", "text", List.of(0), TokenUsage.ZERO, Duration.ZERO));
    }
}
