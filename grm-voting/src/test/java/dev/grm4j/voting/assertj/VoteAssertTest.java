package dev.grm4j.voting.assertj;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.backend.BackendConnectException;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.OpenAiCompatibleBackend;
import dev.grm4j.core.testing.ScriptedBackend;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.RetryPolicy;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class VoteAssertTest {

    private static final GrmRequest REQUEST = GrmRequest.of("What is 2 + 2?", "4", "5");

    /**
     * Prefers "4" (7 against 5) but favours whatever it is shown first by 3 points: in the order [0, 1]
     * it ranks response 0 first, in [1, 0] response 1.
     */
    private static final ScriptedBackend BIASED = ScriptedBackend.writing(call -> {
        List<String> shown = ScriptedBackend.shown(call);
        int first = (shown.get(0).equals("4") ? 7 : 5) + 3;
        int second = shown.get(1).equals("4") ? 7 : 5;
        return """
                Specific Criteria:
                1. Correctness (70%%): the sum must be right.
                2. Brevity (30%%): no words beyond the number.

                Analysis:
                The response shown first, "%s", reads as the more confident answer.

                Scores: \\boxed{%d, %d}""".formatted(shown.get(0), first, second);
    });

    private static VoteResult vote(ScriptedBackend judge, int k) {
        return VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(k).seed(7).build().vote(REQUEST);
    }

    private static String failureOf(Runnable assertion) {
        return catchThrowableOfType(AssertionError.class, assertion::run).getMessage();
    }

    @Test
    void a_vote_that_went_the_expected_way_passes_every_assertion() {
        VoteResult result = vote(BIASED, 4);

        GrmAssertions.assertThat(result).isVoted().prefers(0).hasAgreementAtLeast(0.5).scoresAtLeast(0, 8.5)
                .scoresAtLeast(1, 6.5);
    }

    @Test
    void prefers_quotes_the_principles_and_critique_of_every_sample_that_ranked_another_response_first() {
        VoteResult result = vote(BIASED, 4);

        assertThat(failureOf(() -> GrmAssertions.assertThat(result).prefers(1))).isEqualTo("""
                expected the vote to prefer response 1, but it preferred response 0
                vote: best 0, totals [34, 26], means [8.50, 6.50], agreement 0.50, 4 of 4 samples valid
                2 of 4 valid samples did not rank response 1 first:
                  sample 0, order [0, 1], scores [10, 5]
                    principles:
                      - Correctness (70%): the sum must be right.
                      - Brevity (30%): no words beyond the number.
                    critique: The response shown first, "4", reads as the more confident answer.
                  sample 1, order [0, 1], scores [10, 5]
                    principles:
                      - Correctness (70%): the sum must be right.
                      - Brevity (30%): no words beyond the number.
                    critique: The response shown first, "4", reads as the more confident answer.""");
    }

    @Test
    void hasAgreementAtLeast_quotes_the_samples_that_ranked_another_response_than_the_best_first() {
        VoteResult result = vote(BIASED, 4);

        assertThat(failureOf(() -> GrmAssertions.assertThat(result).hasAgreementAtLeast(0.75))).isEqualTo("""
                expected an agreement of at least 0.75, but it was 0.50
                vote: best 0, totals [34, 26], means [8.50, 6.50], agreement 0.50, 4 of 4 samples valid
                2 of 4 valid samples did not rank the best, response 0, first:
                  sample 2, order [1, 0], scores [7, 8]
                    principles:
                      - Correctness (70%): the sum must be right.
                      - Brevity (30%): no words beyond the number.
                    critique: The response shown first, "5", reads as the more confident answer.
                  sample 3, order [1, 0], scores [7, 8]
                    principles:
                      - Correctness (70%): the sum must be right.
                      - Brevity (30%): no words beyond the number.
                    critique: The response shown first, "5", reads as the more confident answer.""");
    }

    @Test
    void scoresAtLeast_quotes_the_samples_that_scored_the_response_below_the_bar() {
        VoteResult result = vote(BIASED, 4);

        String message = failureOf(() -> GrmAssertions.assertThat(result).scoresAtLeast(1, 7));

        assertThat(message).startsWith("""
                expected response 1 to score at least 7.00 on average, but it scored 6.50
                vote: best 0, totals [34, 26], means [8.50, 6.50], agreement 0.50, 4 of 4 samples valid
                2 of 4 valid samples scored response 1 below 7.00:
                  sample 0, order [0, 1], scores [10, 5]
                """).contains("  sample 1, order [0, 1], scores [10, 5]\n").doesNotContain("sample 2", "sample 3");
    }

    @Test
    void a_long_critique_is_cut_and_the_message_says_where() {
        String critique = "Response 1 is right. ".repeat(50).strip();
        ScriptedBackend verbose = ScriptedBackend.writing(call -> ScriptedBackend.output(3, 9)
                .replace(ScriptedBackend.CRITIQUE, critique));

        String message = failureOf(() -> GrmAssertions.assertThat(vote(verbose, 1)).prefers(0));

        assertThat(message).contains("    critique: " + critique.substring(0, VoteAssert.CRITIQUE_LIMIT) + "...\n"
                + "      [critique cut at 600 of " + critique.length() + " characters]");
    }

    @Test
    void a_description_prefixes_the_message_as_in_any_assertj_assertion() {
        VoteResult result = vote(BIASED, 4);

        assertThat(failureOf(() -> GrmAssertions.assertThat(result).as("arithmetic").prefers(1)))
                .startsWith("[arithmetic] expected the vote to prefer response 1");
    }

    @Test
    void a_vote_without_quorum_fails_every_assertion_with_its_reason_each_failed_samples_outcome_and_the_cause() {
        ScriptedBackend unreachable = ScriptedBackend.answering(call -> {
            throw new BackendException("connection refused: localhost:8080", null, false, OptionalInt.empty(),
                    Optional.empty());
        });
        VoteResult result = vote(unreachable, 2);

        AssertionError error = catchThrowableOfType(AssertionError.class,
                () -> GrmAssertions.assertThat(result).prefers(0));

        assertThat(error).hasMessage("""
                expected a vote, but it was NO_QUORUM: only 0 of 2 samples were valid, quorum is 2: \
                2 BACKEND_ERROR (connection refused: localhost:8080)
                failed samples:
                  sample 0, order [0, 1]: BACKEND_ERROR: connection refused: localhost:8080
                  sample 1, order [1, 0]: BACKEND_ERROR: connection refused: localhost:8080""");
        assertThat(error).cause().isInstanceOf(BackendException.class).hasMessage("connection refused: localhost:8080");
        assertThat(failureOf(() -> GrmAssertions.assertThat(result).isVoted())).isEqualTo(error.getMessage());
        assertThat(failureOf(() -> GrmAssertions.assertThat(result).hasAgreementAtLeast(0))).isEqualTo(error.getMessage());
        assertThat(failureOf(() -> GrmAssertions.assertThat(result).scoresAtLeast(0, 1))).isEqualTo(error.getMessage());
    }

    /** A real judge URL on loopback where nothing listens: the port was bound, then released. */
    private static String closedJudgeUrl() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort() + "/v1";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void a_judge_that_cannot_be_reached_over_http_fails_every_assertion_naming_the_url_and_the_refusal() {
        String url = closedJudgeUrl();
        // No retries: GrmReportExtensionTest shows the default retries end in the same message.
        VoteResult result = VotingGrm.builder(PointwiseGrm.builder(
                OpenAiCompatibleBackend.builder().baseUrl(url).modelName("judge").build()).build()).k(2)
                .retry(RetryPolicy.none()).build().vote(REQUEST);

        for (Runnable assertion : List.<Runnable>of(() -> GrmAssertions.assertThat(result).isVoted(),
                () -> GrmAssertions.assertThat(result).prefers(0),
                () -> GrmAssertions.assertThat(result).hasAgreementAtLeast(0),
                () -> GrmAssertions.assertThat(result).scoresAtLeast(0, 1))) {
            AssertionError error = catchThrowableOfType(AssertionError.class, assertion::run);

            assertThat(error).as("an unreachable judge never passes").isNotNull()
                    .hasMessageStartingWith("expected a vote, but it was NO_QUORUM")
                    .hasMessageContaining("could not connect to " + url + "/chat/completions: connection refused");
            assertThat(error).cause().isInstanceOf(BackendConnectException.class);
        }
    }

    @Test
    void a_null_vote_fails_and_arguments_out_of_range_are_the_test_writers_error() {
        assertThat(failureOf(() -> GrmAssertions.assertThat(null).isVoted())).contains("Expecting actual not to be null");
        VoteResult result = vote(BIASED, 4);

        assertThatIllegalArgumentException().isThrownBy(() -> GrmAssertions.assertThat(result).prefers(2))
                .withMessage("response must be in 0..1, was 2");
        assertThatIllegalArgumentException().isThrownBy(() -> GrmAssertions.assertThat(result).hasAgreementAtLeast(1.5))
                .withMessage("minimum agreement must be in 0..1, was 1.5");
        assertThatIllegalArgumentException().isThrownBy(() -> GrmAssertions.assertThat(result).scoresAtLeast(0, Double.NaN))
                .withMessage("mean score must be finite, was NaN");
    }
}
