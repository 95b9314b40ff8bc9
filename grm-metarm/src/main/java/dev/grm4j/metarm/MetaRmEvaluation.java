package dev.grm4j.metarm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How well a meta RM's ratings separate correct samples from incorrect ones (paper Eq. 10 labels) on
 * a set of recorded trajectories. Only scored samples with a label count.
 *
 * @param items     requests (items) evaluated
 * @param samples   labelled scored samples rated
 * @param positives how many of them are correct
 * @param auc       the area under the ROC curve of the ratings, ties counted half; NaN when all samples
 *                  have the same label
 * @param accuracy  the share of samples where {@code rating >= 0.5} matches the label; NaN when a rating
 *                  is not a probability (outside 0..1) or there are no samples
 * @param logLoss   the mean binary cross-entropy of the ratings read as probabilities (clipped to
 *                  [1e-15, 1 - 1e-15]); NaN when a rating is not a probability or there are no samples
 */
public record MetaRmEvaluation(int items, int samples, int positives, double auc, double accuracy, double logLoss) {

    private static final double CLIP = 1e-15;

    public MetaRmEvaluation {
        if (items < 0 || samples < 0 || positives < 0 || positives > samples) {
            throw new IllegalArgumentException("counts must be >= 0 with positives <= samples, were items " + items
                    + ", samples " + samples + ", positives " + positives);
        }
    }

    /**
     * Rates every request of {@code records} with {@code model} (all samples of a request together, as
     * guided voting does) and measures the ratings against the labels.
     *
     * @throws MetaRatingException if the model cannot rate a request
     */
    public static MetaRmEvaluation of(MetaRewardModel model, List<TrajectoryRecord> records) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(records, "records");
        List<Double> ratings = new ArrayList<>();
        List<Boolean> labels = new ArrayList<>();
        List<RequestGroup> groups = RequestGroup.of(records);
        for (RequestGroup group : groups) {
            List<Double> rated = model.rate(group.request(), group.judgements());
            for (int i = 0; i < group.records().size(); i++) {
                Optional<Boolean> label = group.records().get(i).label();
                if (label.isPresent()) {
                    ratings.add(rated.get(i));
                    labels.add(label.get());
                }
            }
        }
        return of(groups.size(), ratings, labels);
    }

    /** The figures for given ratings and labels, of {@code items} requests. */
    static MetaRmEvaluation of(int items, List<Double> ratings, List<Boolean> labels) {
        int n = ratings.size();
        int positives = (int) labels.stream().filter(Boolean::booleanValue).count();
        boolean probabilities = ratings.stream().allMatch(r -> r >= 0 && r <= 1);
        double accuracy = Double.NaN;
        double logLoss = Double.NaN;
        if (probabilities && n > 0) {
            int right = 0;
            double loss = 0;
            for (int i = 0; i < n; i++) {
                double p = Math.min(1 - CLIP, Math.max(CLIP, ratings.get(i)));
                boolean label = labels.get(i);
                right += (ratings.get(i) >= 0.5) == label ? 1 : 0;
                loss -= label ? Math.log(p) : Math.log(1 - p);
            }
            accuracy = right / (double) n;
            logLoss = loss / n;
        }
        return new MetaRmEvaluation(items, n, positives, auc(ratings, labels, positives), accuracy, logLoss);
    }

    /** Mann-Whitney: the chance a correct sample outranks an incorrect one, ties half. */
    private static double auc(List<Double> ratings, List<Boolean> labels, int positives) {
        int n = ratings.size();
        int negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        Integer[] order = new Integer[n];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Double.compare(ratings.get(a), ratings.get(b)));
        double rankSum = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && ratings.get(order[j + 1]).equals(ratings.get(order[i]))) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (labels.get(order[k])) {
                    rankSum += rank;
                }
            }
            i = j + 1;
        }
        return (rankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }
}
