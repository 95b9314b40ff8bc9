package dev.grm4j.examples.programs;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every example program's {@code main} in process and checks what it prints, so that an API
 * change that breaks an example breaks the build instead of the reader who copies it.
 */
class ExampleProgramsTest {

    @Test
    void quick_start_prints_a_score_per_response_the_best_one_and_the_reasons() {
        String out = run(() -> QuickStart.main(new String[0]));

        assertThat(out).containsPattern("scores: +\\[\\d+, \\d+\\]")
                .containsPattern("best: +index [01], \"")
                .contains("principles the judge wrote")
                .contains("critique:")
                .contains("Response 1:").contains("Response 2:");
    }

    @Test
    void best_of_n_ranks_every_candidate_and_names_the_best() {
        String out = run(() -> BestOfN.main(new String[0]));

        assertThat(out).contains("Voting@8: 8 of 8 samples valid")
                .containsPattern("(?m)^ +1 +\\d+ +\\d+\\.\\d  ")
                .containsPattern("(?m)^ +4 +\\d+ +\\d+\\.\\d  ")
                .containsPattern("best: \"[^\"]+\"");
    }

    @Test
    void pairwise_preference_prints_the_preferred_response_and_a_confidence() {
        String out = run(() -> PairwisePreference.main(new String[0]));

        assertThat(out).containsPattern("samples: \\d prefer A, \\d prefer B, \\d tie \\(\\d valid of 8\\)")
                .containsPattern("preference: [AB], confidence [01]\\.\\d\\d")
                .containsPattern("agreement\\(\\) = [01]\\.\\d\\d");
    }

    @Test
    void custom_principles_prints_the_principles_sent_and_the_scores_for_both_ways() {
        String out = run(() -> CustomPrinciples.main(new String[0]));

        assertThat(out).contains("1. principles given with the request:")
                .contains(" 75%  Correctness: right for every input")
                .contains(" 25%  API design")
                .contains("2. principles of the 'preset:coding' strategy:")
                .contains("- Correctness (35%)")
                .containsPattern("scores \\[\\d+, \\d+\\], best response [01]");
    }

    /** Runs a program with standard output captured; the programs print nothing to standard error. */
    private static String run(Runnable program) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            program.run();
        } finally {
            System.setOut(original);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        assertThat(text).as("the program printed something").isNotBlank();
        return text;
    }
}
