package dev.grm4j.examples.batch;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Reward;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

class JudgeTest {

    @Test
    void scores_exactly_as_the_library_reward_does_ties_included() {
        long seed = 7;
        GroundTruth truth = GroundTruth.create();
        SimulatedJudge backend = SimulatedJudge.builder().seed(seed).accuracy(0.5).groundTruth(truth)
                .latency(Duration.ofMillis(1)).build();
        SamplingOptions sampling = SamplingOptions.greedy().withMaxOutputTokens(1024).withSeed(seed);
        Judge judge = Judge.simulated(backend, sampling, seed, truth);

        int ties = 0;
        for (int n = 0; n < 60; n++) {
            // Items without a best get free random scores, where ties are common.
            List<String> responses = n % 3 == 0
                    ? List.of("first " + n, "second " + n, "third " + n, "fourth " + n)
                    : List.of("yes " + n, "no " + n);
            OptionalInt best = n % 2 == 0 ? OptionalInt.empty() : OptionalInt.of(n % responses.size());
            BenchmarkItem item = new BenchmarkItem(n + 1, null, GrmRequest.of("question " + n, responses), best);

            ItemResult result = judge.score(item).join();
            Reward expected = judge.grm().reward(item.request());

            assertThat(result).isInstanceOf(ItemResult.Rewarded.class);
            Reward actual = ((ItemResult.Rewarded) result).reward();
            assertThat(actual.scores()).isEqualTo(expected.scores());
            assertThat(actual.best()).isEqualTo(expected.best());
            assertThat(actual.tieBroken()).isEqualTo(expected.tieBroken());
            assertThat(actual.judgement().critique()).isEqualTo(expected.judgement().critique());
            ties += actual.tieBroken() ? 1 : 0;
        }
        assertThat(ties).as("ties among 60 items, so the tie-break draw is exercised").isPositive();
    }

    @Test
    void scrubs_the_api_key_from_messages() {
        SamplingOptions sampling = SamplingOptions.greedy();
        Judge judge = Judge.remote(SimulatedJudge.builder().build(), sampling, 0, "sk-abc");

        assertThat(judge.redact("401: bad key sk-abc for sk-abc")).isEqualTo("401: bad key *** for ***");
        assertThat(Judge.remote(SimulatedJudge.builder().build(), sampling, 0, null).redact("sk-abc"))
                .isEqualTo("sk-abc");
    }
}
