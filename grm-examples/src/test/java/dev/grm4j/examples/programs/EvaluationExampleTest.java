package dev.grm4j.examples.programs;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/*
 * EvaluationExampleTest: a GRM check inside a JUnit test, the way you would guard a prompt, a model or
 * a retrieval change in CI: known pairs of a good and a bad answer, and the judge must prefer the good
 * one, by the vote and by a majority of its Voting@k samples.
 *
 * Why voting in a test: one greedy sample of a real judge is right about 2 times in 3 on hard pairs
 * (paper, Voting@1); a test that fails one run in three gets ignored. k samples with shuffled order,
 * and an assertion on the agreement, make the check as stable as the judge is sure. Seeds pin the
 * shuffles and tie-breaks, so a failure can be rerun exactly.
 *
 * Runs offline with the simulated judge, told which answer is right and right 90% of the time per
 * sample. To run the same test against a real judge (say, behind a Maven profile), build the backend as
 *
 *   LlmBackend backend = OpenAiCompatibleBackend.builder()
 *           .baseUrl(System.getenv("GRM_BASE_URL"))        // e.g. http://127.0.0.1:8000/v1
 *           .modelName(System.getenv("GRM_MODEL"))         // e.g. deepseek-grm-27b
 *           .build();
 *
 * or LangChain4jBackend.of(chatModel), and drop the GroundTruth: a real judge needs no answer key.
 */
class EvaluationExampleTest {

    private static final GroundTruth TRUTH = GroundTruth.create();

    private static VotingGrm judge;

    @BeforeAll
    static void createJudge() {
        LlmBackend backend = SimulatedJudge.builder().groundTruth(TRUTH).accuracy(0.9).seed(2).build();
        judge = VotingGrm.builder(PointwiseGrm.builder(backend).build()).k(8).seed(1).build();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            What is the capital of Australia?        | Canberra.                                   | Sydney, its largest city.
            Is 91 a prime number?                    | No: 91 = 7 x 13.                            | Yes, 91 is prime.
            How do I undo my last git commit but keep the changes? | git reset --soft HEAD~1 | git reset --hard HEAD~1
            """)
    void prefers_the_correct_answer_by_a_majority_of_samples(String question, String correct, String wrong) {
        // The wrong answer goes first: the judge must not win by favouring a position.
        List<String> responses = List.of(wrong, correct);
        TRUTH.register(responses, 1); // only the simulated judge reads this

        VoteResult result = judge.vote(GrmRequest.of(question, responses));

        assertThat(result.isVoted()).as(result.toString()).isTrue();
        assertThat(result.best()).as("best of %s", result.totals()).isEqualTo(1);
        assertThat(result.agreement()).as("share of samples that agree").isGreaterThan(0.5);
    }

    @Test
    void explains_every_score_it_gives() {
        List<String> responses = List.of("Paris.", "Lyon.");
        TRUTH.register(responses, 0);

        VoteResult result = judge.vote(GrmRequest.of("What is the capital of France?", responses));

        // A score without its reasons cannot be audited: every valid sample states principles and a critique.
        assertThat(result.samples()).filteredOn(Judgement::isScored).isNotEmpty().allSatisfy(sample -> {
            assertThat(sample.principles()).isNotEmpty();
            assertThat(sample.critique()).isNotBlank();
        });
    }
}
