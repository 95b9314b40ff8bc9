package dev.grm4j.metarm;

import dev.grm4j.metarm.LogisticMetaRm.MetaRmEvaluation;
import dev.grm4j.metarm.LogisticMetaRm.TrainingMetrics;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.ScoreRange;
import dev.langchain4j.model.embedding.EmbeddingModel;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/** Fits the two stages of a {@link LogisticMetaRm} and measures them. */
final class Training {

    /**
     * What {@link LogisticMetaRm.Trainer} configured, checked there.
     *
     * @param embeddings the embedding model, or null for a model without embeddings
     * @param features   the final model's features, or null for every known one
     */
    record Settings(double l2, long seed, double holdout, ScoreRange scoreRange, @Nullable EmbeddingModel embeddings,
                    int maxIterations, @Nullable List<String> features) {
        Settings {
            Objects.requireNonNull(scoreRange, "scoreRange");
            features = features == null ? null : List.copyOf(features);
        }
    }

    private Training() {
    }

    static LogisticMetaRm train(Settings settings, List<TrajectoryRecord> records) {
        List<RequestGroup> groups = RequestGroup.of(records);
        Set<String> holdoutItems = holdoutItems(groups, settings.holdout(), settings.seed());
        List<RequestGroup> train = groups.stream().filter(group -> !holdoutItems.contains(group.item())).toList();
        List<TrajectoryRecord> trainRecords = records.stream().filter(r -> !holdoutItems.contains(r.item())).toList();
        List<TrajectoryRecord> holdoutRecords = records.stream().filter(r -> holdoutItems.contains(r.item())).toList();

        int dimension = settings.embeddings() == null ? 0 : settings.embeddings().dimension();
        List<String> known = Features.known(dimension);
        List<String> stage1Names = new ArrayList<>(Features.QUALITY);
        for (int i = 0; i < dimension; i++) {
            stage1Names.add(Features.EMBEDDING_PREFIX + i);
        }
        List<String> finalNames = settings.features() != null ? settings.features() : known;
        for (String name : finalNames) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown feature '" + name + "'; known: "
                        + (dimension > 0 ? known.subList(0, Features.QUALITY.size() + Features.CONTEXT.size() + 1)
                        + " and embedding_0.." + "embedding_" + (dimension - 1) : known));
            }
        }

        // Stage 1 first, with a placeholder final model: rows() needs a stage 1 to compute context features.
        LinearModel unfitted = placeholder(stage1Names);
        DefaultLogisticMetaRm probe = new DefaultLogisticMetaRm(settings.scoreRange(), dimension, settings.embeddings(),
                unfitted, placeholder(List.of(Features.QUALITY.get(0))), null);
        List<double[]> rows = new ArrayList<>();
        List<Double> labels = new ArrayList<>();
        for (int g = 0; g < train.size(); g++) {
            RequestGroup group = train.get(g);
            List<Judgement> samples = group.judgements();
            double[][] groupRows = probe.rows(group.request(), samples);
            int s = 0;
            for (TrajectoryRecord record : group.records()) {
                if (!record.isScored()) {
                    continue;
                }
                Optional<Boolean> label = record.label();
                if (label.isPresent()) {
                    rows.add(groupRows[s]);
                    labels.add(label.get() ? 1.0 : 0.0);
                }
                s++;
            }
        }
        long positives = labels.stream().filter(label -> label == 1.0).count();
        if (positives == 0 || positives == labels.size()) {
            throw new IllegalArgumentException("training needs correct and incorrect samples, found " + positives
                    + " correct and " + (labels.size() - positives) + " incorrect among " + labels.size()
                    + " labelled scored samples of " + train.size() + " items");
        }
        double[] y = labels.stream().mapToDouble(Double::doubleValue).toArray();
        int[] stage1Index = index(stage1Names, known);
        double[][] x1 = rows.stream().map(row -> DefaultLogisticMetaRm.gather(row, stage1Index)).toArray(double[][]::new);
        LinearModel stage1 = LinearModel.fit(stage1Names, x1, y, settings.l2(), settings.maxIterations());

        // Stage 2: the context features now follow from the fitted stage 1.
        DefaultLogisticMetaRm withStage1 = new DefaultLogisticMetaRm(settings.scoreRange(), dimension,
                settings.embeddings(), stage1, placeholder(List.of(Features.QUALITY.get(0))), null);
        List<double[]> finalRows = new ArrayList<>();
        int[] finalIndex = index(finalNames, known);
        for (RequestGroup group : train) {
            double[][] groupRows = withStage1.rows(group.request(), group.judgements());
            int s = 0;
            for (TrajectoryRecord record : group.records()) {
                if (!record.isScored()) {
                    continue;
                }
                if (record.label().isPresent()) {
                    finalRows.add(DefaultLogisticMetaRm.gather(groupRows[s], finalIndex));
                }
                s++;
            }
        }
        LinearModel model = LinearModel.fit(finalNames, finalRows.toArray(double[][]::new), y, settings.l2(),
                settings.maxIterations());
        DefaultLogisticMetaRm fitted = new DefaultLogisticMetaRm(settings.scoreRange(), dimension, settings.embeddings(),
                stage1, model, null);

        MetaRmEvaluation trainFigures = MetaRmEvaluation.of(fitted, trainRecords);
        Optional<MetaRmEvaluation> holdoutFigures = holdoutItems.isEmpty() ? Optional.empty()
                : Optional.of(MetaRmEvaluation.of(fitted, holdoutRecords));
        return fitted.withTrained(new TrainingMetrics(trainFigures, holdoutFigures, settings.seed(), settings.holdout(),
                settings.l2(), model.iterations()));
    }

    /**
     * The held-out item ids: the distinct ids sorted, shuffled by {@code seed}, and the first
     * {@code round(share * items)} of them (at least 1 and at most items - 1 when share > 0).
     */
    static Set<String> holdoutItems(List<RequestGroup> groups, double share, long seed) {
        List<String> items = new ArrayList<>(new TreeSet<>(groups.stream().map(RequestGroup::item).toList()));
        if (share == 0) {
            return Set.of();
        }
        if (items.size() < 2) {
            throw new IllegalArgumentException("a holdout needs at least 2 items, found " + items.size());
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = items.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            String swap = items.get(i);
            items.set(i, items.get(j));
            items.set(j, swap);
        }
        int count = (int) Math.max(1, Math.min(items.size() - 1, Math.round(share * items.size())));
        return Set.copyOf(items.subList(0, count));
    }

    private static int[] index(List<String> names, List<String> known) {
        return names.stream().mapToInt(known::indexOf).toArray();
    }

    private static LinearModel placeholder(List<String> names) {
        int d = names.size();
        double[] ones = new double[d];
        java.util.Arrays.fill(ones, 1);
        return new LinearModel(names, new double[d], ones, new double[d], 0, 0);
    }
}
