package dev.grm4j.metarm;

import dev.grm4j.metarm.LogisticMetaRm.MetaRmEvaluation;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MetaRmEvaluationTest {

    @Test
    void auc_counts_ties_half_and_accuracy_thresholds_at_one_half() {
        MetaRmEvaluation evaluation = MetaRmEvaluation.of(2, List.of(0.9, 0.6, 0.6, 0.2), List.of(true, true, false, false));

        // Pairs (positive, negative): (0.9, 0.6) 1, (0.9, 0.2) 1, (0.6, 0.6) 0.5, (0.6, 0.2) 1 -> 3.5 / 4.
        assertThat(evaluation.auc()).isEqualTo(0.875);
        assertThat(evaluation.accuracy()).isEqualTo(0.75);
        assertThat(evaluation.logLoss()).isCloseTo(-(Math.log(0.9) + Math.log(0.6) + Math.log(0.4) + Math.log(0.8)) / 4,
                within(1e-12));
        assertThat(evaluation.samples()).isEqualTo(4);
        assertThat(evaluation.positives()).isEqualTo(2);
    }

    @Test
    void scores_that_are_not_probabilities_have_an_auc_but_no_accuracy_or_log_loss() {
        MetaRmEvaluation evaluation = MetaRmEvaluation.of(1, List.of(3.0, -1.0), List.of(true, false));

        assertThat(evaluation.auc()).isEqualTo(1.0);
        assertThat(evaluation.accuracy()).isNaN();
        assertThat(evaluation.logLoss()).isNaN();
    }

    @Test
    void one_class_only_has_no_auc() {
        assertThat(MetaRmEvaluation.of(1, List.of(0.3, 0.7), List.of(true, true)).auc()).isNaN();
    }
}
