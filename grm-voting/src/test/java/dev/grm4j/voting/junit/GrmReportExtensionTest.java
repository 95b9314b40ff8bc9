package dev.grm4j.voting.junit;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.backend.BackendConnectException;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.OpenAiCompatibleBackend;
import dev.grm4j.core.testing.ScriptedBackend;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

class GrmReportExtensionTest {

    /** Set by each run before the fixture class loads its extension. */
    static Path directory;

    @TempDir
    Path temp;

    /** Run only through {@link #run}: a passing vote, a vote whose judge is unreachable, and a red assertion. */
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class Fixture {
        @RegisterExtension
        static final GrmReportExtension REPORT = GrmReportExtension.writingTo(directory);
        static final VotingGrm VOTING = REPORT.recording(VotingGrm.builder(PointwiseGrm.builder(
                ScriptedBackend.scoring(shown -> shown.stream().map(r -> r.equals("4") ? 9 : 2).toList())).build())
                .k(2).seed(3).build());
        static final VotingGrm UNREACHABLE = REPORT.recording(VotingGrm.builder(PointwiseGrm.builder(
                ScriptedBackend.answering(call -> {
                    throw new BackendException("connection refused: localhost:1", null, false, OptionalInt.empty(),
                            Optional.empty());
                })).build()).k(2).build());

        @Test
        @Order(1)
        void a_vote_that_passes() {
            VOTING.vote(GrmRequest.of("What is 2 + 2? <sum>", "4", "5"));
        }

        @Test
        @Order(2)
        void a_vote_nobody_checks_whose_judge_is_unreachable() {
            UNREACHABLE.vote(GrmRequest.of("What is 3 + 3?", "6", "7"));
        }
    }

    /** A real judge URL on loopback where nothing listens: the port was bound, then released. */
    static String closedJudgeUrl() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort() + "/v1";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Set by the over-HTTP run before its fixture class loads. */
    static String judgeUrl;

    /**
     * Run only through {@link #run}: a test that votes through the real HTTP client, its judge not there,
     * with the default retries, as a user's test would.
     */
    static class UnreachableOverHttpFixture {
        @RegisterExtension
        static final GrmReportExtension REPORT = GrmReportExtension.writingTo(directory);
        static final VotingGrm VOTING = REPORT.recording(VotingGrm.builder(PointwiseGrm.builder(
                OpenAiCompatibleBackend.builder().baseUrl(judgeUrl).modelName("judge").build()).build()).k(2).build());

        @Test
        void a_vote_whose_judge_url_has_nothing_listening() {
            VOTING.vote(GrmRequest.of("What is 3 + 3?", "6", "7"));
        }
    }

    private TestExecutionSummary run(Class<?> fixture) {
        directory = temp;
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(request().selectors(selectClass(fixture)).build(), listener);
        return listener.getSummary();
    }

    @Test
    void a_vote_without_quorum_fails_its_test_with_the_cause_even_when_the_test_never_looked() {
        TestExecutionSummary summary = run(Fixture.class);

        assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
        assertThat(summary.getTestsFailedCount()).isEqualTo(1);
        Throwable failure = summary.getFailures().get(0).getException();
        assertThat(failure).isInstanceOf(AssertionError.class).hasMessage("""
                1 of 1 vote in this test had no result
                  "What is 3 + 3?": NO_QUORUM: only 0 of 2 samples were valid, quorum is 2: \
                2 BACKEND_ERROR (connection refused: localhost:1)
                    sample 0, order [0, 1]: BACKEND_ERROR: connection refused: localhost:1
                    sample 1, order [1, 0]: BACKEND_ERROR: connection refused: localhost:1""");
        assertThat(failure).cause().isInstanceOf(BackendException.class);
    }

    @Test
    void a_judge_that_cannot_be_reached_over_http_fails_the_test_naming_the_url_and_the_refusal() {
        judgeUrl = closedJudgeUrl();

        TestExecutionSummary summary = run(UnreachableOverHttpFixture.class);

        assertThat(summary.getTestsSucceededCount()).isZero();
        assertThat(summary.getTestsFailedCount()).isEqualTo(1);
        Throwable failure = summary.getFailures().get(0).getException();
        assertThat(failure).isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("1 of 1 vote in this test had no result")
                .hasMessageContaining("NO_QUORUM")
                .hasMessageContaining("could not connect to " + judgeUrl + "/chat/completions: connection refused");
        assertThat(failure).cause().isInstanceOf(BackendConnectException.class);
    }

    @Test
    void writes_one_self_contained_html_report_per_class_with_each_tests_votes_and_records() throws Exception {
        run(Fixture.class);

        Path report = temp.resolve(Fixture.class.getName() + ".html");
        String html = Files.readString(report);
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<style>").doesNotContain("<script", "http")
                .contains("2 tests \u00b7 2 votes")
                .contains("a_vote_that_passes()<span class=\"badge truth\">passed</span>")
                .contains("a_vote_nobody_checks_whose_judge_is_unreachable()<span class=\"badge wrong\">failed: "
                        + "1 of 1 vote in this test had no result</span>")
                .contains("What is 2 + 2? &lt;sum&gt;", "mean 9.00, total 18", "best", "mean 2.00, total 4")
                .contains("Accuracy (60%): the answer must be correct.", ScriptedBackend.CRITIQUE)
                .contains("Reproducibility record", "&quot;requestSeed&quot;", "&quot;status&quot;:&quot;NO_QUORUM&quot;")
                .contains("connection refused: localhost:1");
    }
}
