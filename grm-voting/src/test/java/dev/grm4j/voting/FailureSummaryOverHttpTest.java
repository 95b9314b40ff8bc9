package dev.grm4j.voting;

import dev.grm4j.voting.VoteResult.VoteStatus;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.backend.OpenAiCompatibleBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

/** A failed vote says what failed in the judge's words, not an exception's class name. */
@Timeout(30)
class FailureSummaryOverHttpTest {

    @Test
    void a_vote_against_a_closed_port_says_the_connection_was_refused() {
        String baseUrl = "http://127.0.0.1:" + closedPort() + "/v1";
        OpenAiCompatibleBackend backend = OpenAiCompatibleBackend.builder().baseUrl(baseUrl).modelName("m").build();
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(backend).build()).k(8).retry(RetryPolicy.none())
                .build();

        VoteResult result = voting.vote(GrmRequest.of("q", "a", "b"));

        assertThat(result.status()).isEqualTo(VoteStatus.NO_QUORUM);
        assertThat(result.failure()).hasValue("only 0 of 8 samples were valid, quorum is 5: 8 BACKEND_ERROR "
                + "(could not connect to " + baseUrl + "/chat/completions: connection refused)");
    }

    @Test
    void a_vote_against_an_unknown_host_names_the_host() {
        OpenAiCompatibleBackend backend = OpenAiCompatibleBackend.builder().baseUrl("http://nohost.invalid/v1")
                .modelName("m").build();
        VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(backend).build()).k(2).retry(RetryPolicy.none())
                .build();

        VoteResult result = voting.vote(GrmRequest.of("q", "a", "b"));

        assertThat(result.failure()).get().asString()
                .endsWith(": 2 BACKEND_ERROR (could not connect to http://nohost.invalid/v1/chat/completions: "
                        + "unknown host nohost.invalid)");
    }

    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
