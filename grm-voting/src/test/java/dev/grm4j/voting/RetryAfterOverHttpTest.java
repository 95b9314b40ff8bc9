package dev.grm4j.voting;

import dev.grm4j.voting.VoteResult.VoteStatus;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.backend.OpenAiCompatibleBackend;
import dev.grm4j.core.testing.Fault;
import dev.grm4j.core.testing.FaultPlan;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Voting against a real server over loopback HTTP that answers 429 with Retry-After. */
class RetryAfterOverHttpTest {

    @Test
    void a_rate_limited_sample_waits_for_retry_after_then_votes() {
        try (SimulatedJudgeServer server = SimulatedJudgeServer.builder(SimulatedJudge.builder().seed(1).build())
                .faults(FaultPlan.firstN(4, Fault.rateLimited(Duration.ofSeconds(1)))).build().start()) {
            OpenAiCompatibleBackend backend = OpenAiCompatibleBackend.builder().baseUrl(server.baseUrl())
                    .modelName("simulated-judge").build();
            RetryPolicy quickBackoff = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(20), 0);
            // One call per sample, so that each of the first four samples meets a 429 of its own.
            VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(backend).build()).k(4).retry(quickBackoff)
                    .samplesPerCall(1).build();

            long start = System.nanoTime();
            VoteResult result = voting.vote(GrmRequest.of("q", "a", "b"));
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

            assertThat(result.validSamples()).isEqualTo(4);
            assertThat(server.requestCount()).isEqualTo(8);
            // The backoff alone would retry after ~10 ms; the server's Retry-After of 1 s wins.
            assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        }
    }

    @Test
    void without_retries_the_rate_limited_samples_fail_and_the_quorum_decides() {
        try (SimulatedJudgeServer server = SimulatedJudgeServer.builder(SimulatedJudge.builder().seed(1).build())
                .faults(FaultPlan.firstN(5, Fault.rateLimited(Duration.ofSeconds(1)))).build().start()) {
            OpenAiCompatibleBackend backend = OpenAiCompatibleBackend.builder().baseUrl(server.baseUrl())
                    .modelName("simulated-judge").build();
            VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(backend).build()).k(8)
                    .retry(RetryPolicy.none()).maxConcurrency(8).samplesPerCall(1).build();

            VoteResult result = voting.vote(GrmRequest.of("q", "a", "b"));

            assertThat(result.status()).isEqualTo(VoteStatus.NO_QUORUM);
            assertThat(result.validSamples()).isEqualTo(3);
            assertThat(result.failure()).get().asString().contains("BACKEND_ERROR").contains("429");
        }
    }

    @Test
    void a_rate_limited_call_for_several_samples_is_retried_whole() {
        try (SimulatedJudgeServer server = SimulatedJudgeServer.builder(SimulatedJudge.builder().seed(1).build())
                .faults(FaultPlan.firstN(1, Fault.rateLimited(Duration.ofMillis(100)))).build().start()) {
            OpenAiCompatibleBackend backend = OpenAiCompatibleBackend.builder().baseUrl(server.baseUrl())
                    .modelName("simulated-judge").build();
            RetryPolicy quickBackoff = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(20), 0);
            VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(backend).build()).k(4).retry(quickBackoff).build();

            VoteResult result = voting.vote(GrmRequest.of("q", "a", "b"));

            // Two orders of two responses, two samples each: two calls of n=2, the first one twice.
            assertThat(result.validSamples()).isEqualTo(4);
            assertThat(server.requestCount()).isEqualTo(3);
            assertThat(server.completionCount()).isEqualTo(4);
        }
    }
}
