package dev.grm4j.metarm;

import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link LogisticMetaRm} was trained and how well it did, saved with the model.
 *
 * @param train        the figures on the training items
 * @param holdout      the figures on the held-out items; empty when nothing was held out
 * @param seed         the seed of the holdout split
 * @param holdoutShare the share of items held out, in 0..1
 * @param l2           the L2 penalty
 * @param iterations   Newton steps taken by the final model's fit
 */
public record TrainingMetrics(MetaRmEvaluation train, Optional<MetaRmEvaluation> holdout, long seed,
                              double holdoutShare, double l2, int iterations) {

    public TrainingMetrics {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(holdout, "holdout");
    }
}
