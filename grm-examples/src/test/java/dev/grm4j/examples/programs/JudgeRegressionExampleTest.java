package dev.grm4j.examples.programs;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;
import dev.grm4j.voting.junit.GrmReportExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.List;

import static dev.grm4j.voting.assertj.GrmAssertions.assertThat;

/*
 * JudgeRegressionExampleTest: grm4j's assertions and report extension in a JUnit suite, as a team
 * would guard a prompt, model or retrieval change in CI (docs/guide-evaluation.md, "In your test
 * suite"). Each test votes a known pair and asserts on the vote; a red one quotes the principles and
 * critiques of the samples that disagreed. After the class, target/grm-reports/<this class>.html holds
 * every vote with its samples and reproducibility record. A judge that cannot be reached fails the test.
 *
 * Runs offline on the simulated judge, told the right answers and right 90% of the time per sample;
 * against a real judge, build the PointwiseGrm on OpenAiCompatibleBackend or LangChain4jBackend instead.
 */
class JudgeRegressionExampleTest {

    private static final String CAPITAL = "What is the capital of Australia?";
    private static final String PRIME = "Is 91 a prime number?";
    private static final GroundTruth TRUTH = GroundTruth.create()
            .register(List.of("Sydney, its largest city.", "Canberra."), 1)
            .register(List.of("Yes, 91 is prime.", "No: 91 = 7 x 13."), 1);

    @RegisterExtension
    static final GrmReportExtension REPORT = GrmReportExtension.create();

    static final VotingGrm VOTING = REPORT.recording(VotingGrm.builder(PointwiseGrm.builder(
            SimulatedJudge.builder().groundTruth(TRUTH).accuracy(0.9).seed(2).build()).build()).k(8).seed(1).build());

    @Test
    void the_judge_prefers_the_capital_over_the_largest_city() {
        VoteResult vote = VOTING.vote(GrmRequest.of(CAPITAL, "Sydney, its largest city.", "Canberra."));

        assertThat(vote).prefers(1).hasAgreementAtLeast(0.75);
    }

    @Test
    void the_judge_scores_the_factored_answer_above_the_wrong_one() {
        VoteResult vote = VOTING.vote(GrmRequest.of(PRIME, "Yes, 91 is prime.", "No: 91 = 7 x 13."));

        assertThat(vote).isVoted().prefers(1).scoresAtLeast(1, 6);
    }

    @Test
    void the_report_goes_under_target() {
        org.assertj.core.api.Assertions.assertThat(REPORT.directory()).isEqualTo(Path.of("target", "grm-reports"));
    }
}
