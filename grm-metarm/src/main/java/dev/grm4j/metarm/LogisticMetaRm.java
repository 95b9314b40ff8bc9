package dev.grm4j.metarm;

import dev.grm4j.metarm.TrajectoryRecord.TrajectoryReader;
import java.util.OptionalInt;
import dev.grm4j.core.GrmException;
import java.util.Arrays;
import java.util.ArrayList;
import dev.grm4j.core.ScoreRange;
import dev.langchain4j.model.embedding.EmbeddingModel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A trainable scalar meta RM: features of each judgement (its scores, principles and critique, and its
 * agreement with the other samples of the request) into a logistic model trained with binary
 * cross-entropy on paper Eq. 10 labels. The rating is the probability that the judgement is correct.
 *
 * <p><b>Two stages.</b> Stage 1 rates each sample from its own text and structure only
 * ({@code score_margin}, {@code principle_count}, {@code coverage}, ...). Stage 2 adds how the sample
 * agrees with the other samples of the request, both with all of them and with the "consensus": the
 * better half of them by stage 1. Careless samples then weigh little in what "agreement" means, so that
 * the model does not simply reward siding with a majority that careless samples swung. See
 * {@link #availableFeatures()} and docs/metarm.md for each feature.
 *
 * <p><b>Text embeddings</b> are optional: trained with an {@link EmbeddingModel}, stage 1 also reads
 * the embedding of each judgement's principles and critique, and stage 2 its cosine similarity to the
 * other samples' mean embedding. The same model must be given again to load such a file.
 *
 * <p><b>Files.</b> {@link #toJson()} writes versioned JSON:
 * {@code {"format": "grm4j-metarm", "version": 1, "features": [...], "means": [...], "scales": [...],
 * "weights": [...], "bias": b, "stage1": {...the same for stage 1...}, "score_range": [1, 10],
 * "trained": {...}}}; a loaded model gives bit-identical ratings.
 *
 * <p>Immutable and thread-safe. {@link #rate} computes on the calling thread (with embeddings, it
 * calls the embedding model once per request, for all samples); {@link #rateAsync} does the same and
 * returns a completed future.
 *
 * <pre>{@code
 * List<TrajectoryRecord> records = TrajectoryReader.readAll(Path.of("run.trajectories.jsonl"));
 * LogisticMetaRm meta = LogisticMetaRm.trainer().holdout(0.2).seed(7).train(records);
 * System.out.println(meta.trained().orElseThrow().holdout().orElseThrow().auc());
 * meta.save(Path.of("metarm.json"));
 * }</pre>
 */
public interface LogisticMetaRm extends MetaRewardModel {

    /** The value of the {@code format} field of a model file. */
    String FORMAT = "grm4j-metarm";
    /** The version of the model file this library writes and reads. */
    int VERSION = 1;

    /** The final model's features, in the order of {@link #weights()}. */
    List<String> features();

    /** The final model's weights on standardized features, aligned with {@link #features()}. */
    List<Double> weights();

    /** The final model's intercept. */
    double bias();

    /** How the model was trained, when the model says (always for a trained one). */
    Optional<TrainingMetrics> trained();

    /** The model as one line of versioned JSON. */
    String toJson();

    /**
     * Writes {@link #toJson()} to {@code path}, UTF-8, replacing the file.
     *
     * @throws IOException if the file cannot be written
     */
    default void save(Path path) throws IOException {
        Files.writeString(Objects.requireNonNull(path, "path"), toJson() + "\n", StandardCharsets.UTF_8);
    }

    /**
     * Reads a model written by {@link #toJson()} that uses no embeddings.
     *
     * @throws MetaRmFormatException if the JSON is not such a model (wrong format or version, lengths
     *                               that differ, an unknown feature, or a model that needs embeddings)
     */
    static LogisticMetaRm fromJson(String json) {
        return ModelFile.read(json, null);
    }

    /**
     * Reads a model written by {@link #toJson()}; {@code embeddings} must be the model it was trained
     * with when it uses embeddings, and is ignored otherwise.
     *
     * @throws MetaRmFormatException if the JSON is not such a model, or its embedding dimension is not
     *                               that of {@code embeddings}
     */
    static LogisticMetaRm fromJson(String json, EmbeddingModel embeddings) {
        return ModelFile.read(json, Objects.requireNonNull(embeddings, "embeddings"));
    }

    /**
     * Reads a model file without embeddings.
     *
     * @throws IOException           if the file cannot be read
     * @throws MetaRmFormatException if it is not such a model
     */
    static LogisticMetaRm load(Path path) throws IOException {
        return fromJson(Files.readString(Objects.requireNonNull(path, "path"), StandardCharsets.UTF_8));
    }

    /**
     * Reads a model file, with the embedding model it was trained with.
     *
     * @throws IOException           if the file cannot be read
     * @throws MetaRmFormatException if it is not such a model
     */
    static LogisticMetaRm load(Path path, EmbeddingModel embeddings) throws IOException {
        return fromJson(Files.readString(Objects.requireNonNull(path, "path"), StandardCharsets.UTF_8), embeddings);
    }

    /** A trainer with the defaults listed on its setters. */
    static Trainer trainer() {
        return new Trainer();
    }

    /** Every feature a model may use (without embeddings), stage-1 features first. */
    static List<String> availableFeatures() {
        return Features.known(0);
    }

    /** Configures training; each setter checks its argument. Not thread-safe. */
    final class Trainer {
        public static final double DEFAULT_L2 = 1e-3;
        public static final int DEFAULT_MAX_ITERATIONS = 100;

        private double l2 = DEFAULT_L2;
        private long seed;
        private double holdout;
        private ScoreRange scoreRange = ScoreRange.DEFAULT;
        private EmbeddingModel embeddings;
        private int maxIterations = DEFAULT_MAX_ITERATIONS;
        private List<String> features;

        private Trainer() {
        }

        /** The L2 penalty on standardized weights, added to the mean cross-entropy; 1e-3 by default. */
        public Trainer l2(double l2) {
            if (!(l2 >= 0) || !Double.isFinite(l2)) {
                throw new IllegalArgumentException("l2 must be finite and >= 0, was " + l2);
            }
            this.l2 = l2;
            return this;
        }

        /** Seeds the holdout split; 0 by default. The fit itself (Newton's method) draws nothing. */
        public Trainer seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The share of items (requests: all samples of an item fall on the same side) held out from
         * training and reported in {@link TrainingMetrics#holdout()}; 0 by default.
         */
        public Trainer holdout(double share) {
            if (!(share >= 0 && share < 1)) {
                throw new IllegalArgumentException("holdout must be in [0, 1), was " + share);
            }
            this.holdout = share;
            return this;
        }

        /** The judge's score range, which scales the score features; 1..10 by default. */
        public Trainer scoreRange(ScoreRange range) {
            this.scoreRange = Objects.requireNonNull(range, "range");
            return this;
        }

        /** Adds text-embedding features computed by {@code embeddings}; none by default. */
        public Trainer embeddings(EmbeddingModel embeddings) {
            this.embeddings = Objects.requireNonNull(embeddings, "embeddings");
            return this;
        }

        /** Newton steps at most per stage; 100 by default (a fit usually settles in under 15). */
        public Trainer maxIterations(int maxIterations) {
            if (maxIterations < 1) {
                throw new IllegalArgumentException("maxIterations must be >= 1, was " + maxIterations);
            }
            this.maxIterations = maxIterations;
            return this;
        }

        /**
         * Restricts the final model to these features (of {@link #availableFeatures()}, or
         * {@code embedding_similarity} and {@code embedding_<i>} with embeddings); all of them by default.
         * Stage 1 always uses every quality feature.
         *
         * @throws IllegalArgumentException if the list is empty or names a feature twice
         */
        public Trainer features(List<String> features) {
            Objects.requireNonNull(features, "features");
            if (features.isEmpty()) {
                throw new IllegalArgumentException("features is empty");
            }
            if (features.stream().distinct().count() != features.size()) {
                throw new IllegalArgumentException("features names a feature twice: " + features);
            }
            this.features = List.copyOf(features);
            return this;
        }

        /**
         * Trains on the scored, labelled samples of {@code records}; the other samples of a request are
         * still its context. Deterministic: the same records, settings and seed give the same weights.
         *
         * @throws IllegalArgumentException if the training items hold no correct or no incorrect sample,
         *                                  the holdout leaves no item on one side, or a feature is unknown
         * @throws MetaRatingException      if the embedding model fails
         */
        public LogisticMetaRm train(List<TrajectoryRecord> records) {
            return Training.train(new Training.Settings(l2, seed, holdout, scoreRange, embeddings, maxIterations,
                    features), Objects.requireNonNull(records, "records"));
        }
    }

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

    /**
     * A trajectory file or a meta RM model file could not be read. For a JSON Lines file the message
     * starts with {@code "line N: "} and {@link #line()} gives N (1-based).
     */
    public static class MetaRmFormatException extends GrmException {

        private static final long serialVersionUID = 1L;

        private final int line;

        /** A problem with the whole input (a model file), not with one line. */
        public MetaRmFormatException(String message, Throwable cause) {
            super(message, cause);
            this.line = -1;
        }

        /** A problem with line {@code line} (1-based) of a JSON Lines file; the message gets the "line N: " prefix. */
        public MetaRmFormatException(int line, String problem, Throwable cause) {
            super("line " + line + ": " + problem, cause);
            this.line = line;
        }

        /** The 1-based line at fault, for a JSON Lines input. */
        public OptionalInt line() {
            return line < 0 ? OptionalInt.empty() : OptionalInt.of(line);
        }
    }
}
