package dev.grm4j.metarm;

import dev.grm4j.metarm.LogisticMetaRm.TrainingMetrics;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.ScoreRange;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** The two-stage logistic meta RM behind {@link LogisticMetaRm}. */
final class DefaultLogisticMetaRm implements LogisticMetaRm {

    private final ScoreRange range;
    private final int dimension;
    private final EmbeddingModel embeddings;
    private final LinearModel stage1;
    private final LinearModel model;
    private final TrainingMetrics trained;
    private final Features extractor;
    private final int[] stage1Index;
    private final int[] modelIndex;

    /**
     * @throws IllegalArgumentException if a feature is unknown, stage 1 uses a context feature, or the
     *                                  embedding model is missing while {@code dimension > 0}
     */
    DefaultLogisticMetaRm(ScoreRange range, int dimension, EmbeddingModel embeddings, LinearModel stage1,
                          LinearModel model, TrainingMetrics trained) {
        if (dimension > 0 && embeddings == null) {
            throw new IllegalArgumentException("the model uses " + dimension
                    + "-dimensional text embeddings: load it with the embedding model it was trained with");
        }
        this.range = range;
        this.dimension = dimension;
        this.embeddings = dimension > 0 ? embeddings : null;
        this.stage1 = stage1;
        this.model = model;
        this.trained = trained;
        this.extractor = new Features(range);
        List<String> known = Features.known(dimension);
        this.stage1Index = indices(stage1.features(), known, "stage1");
        for (String name : stage1.features()) {
            if (Features.CONTEXT.contains(name) || name.equals(Features.EMBEDDING_SIMILARITY)) {
                throw new IllegalArgumentException("stage1: feature '" + name
                        + "' compares samples and belongs to the final model only");
            }
        }
        this.modelIndex = indices(model.features(), known, "features");
    }

    private static int[] indices(List<String> names, List<String> known, String field) {
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < known.size(); i++) {
            position.put(known.get(i), i);
        }
        int[] index = new int[names.size()];
        for (int i = 0; i < names.size(); i++) {
            Integer at = position.get(names.get(i));
            if (at == null) {
                throw new IllegalArgumentException(field + ": unknown feature '" + names.get(i) + "'");
            }
            index[i] = at;
        }
        return index;
    }

    /**
     * Computes on the calling thread and returns a completed future, or a failed one (a
     * {@link MetaRatingException} from the embedding model, an IllegalArgumentException for samples that
     * do not fit the request).
     */
    @Override
    public CompletableFuture<List<Double>> rateAsync(GrmRequest request, List<Judgement> samples) {
        try {
            return CompletableFuture.completedFuture(ratings(request, samples));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private List<Double> ratings(GrmRequest request, List<Judgement> samples) {
        Ratings.check(request, samples);
        double[][] rows = rows(request, samples);
        Double[] ratings = new Double[samples.size()];
        Arrays.fill(ratings, Double.NaN);
        int s = 0;
        for (int i = 0; i < samples.size(); i++) {
            if (samples.get(i).isScored()) {
                ratings[i] = model.probability(gather(rows[s++], modelIndex));
            }
        }
        return Collections.unmodifiableList(Arrays.asList(ratings));
    }

    /**
     * Every known feature of each scored sample, in sample order (unscored samples skipped), laid out as
     * {@link Features#known(int)}.
     */
    double[][] rows(GrmRequest request, List<Judgement> samples) {
        List<Judgement> scored = samples.stream().filter(Judgement::isScored).toList();
        int m = scored.size();
        int q = Features.QUALITY.size();
        int c = Features.CONTEXT.size();
        int width = Features.known(dimension).size();
        double[][] rows = new double[m][width];
        double[][] vectors = dimension > 0 ? embed(scored) : null;
        Features.RequestText text = m == 0 ? null : Features.RequestText.of(request);
        for (int s = 0; s < m; s++) {
            System.arraycopy(extractor.quality(text, scored.get(s)), 0, rows[s], 0, q);
            if (vectors != null) {
                System.arraycopy(vectors[s], 0, rows[s], q + c + 1, dimension);
            }
        }
        double[] probabilities = new double[m];
        for (int s = 0; s < m; s++) {
            probabilities[s] = stage1.probability(gather(rows[s], stage1Index));
        }
        List<List<Integer>> scores = scored.stream().map(Judgement::scores).toList();
        for (int s = 0; s < m; s++) {
            System.arraycopy(extractor.context(s, scores, probabilities), 0, rows[s], q, c);
            if (vectors != null) {
                rows[s][q + c] = similarity(s, vectors);
            }
        }
        return rows;
    }

    static double[] gather(double[] row, int[] index) {
        double[] x = new double[index.length];
        for (int i = 0; i < index.length; i++) {
            x[i] = row[index[i]];
        }
        return x;
    }

    private double[][] embed(List<Judgement> scored) {
        if (scored.isEmpty()) {
            return new double[0][];
        }
        List<TextSegment> texts = scored.stream().map(j -> TextSegment.from(Features.embeddingText(j))).toList();
        List<Embedding> embedded;
        try {
            embedded = embeddings.embedAll(texts).content();
        } catch (RuntimeException e) {
            throw new MetaRatingException("embedding model failed: " + e.getMessage(), e, -1, null, -1);
        }
        if (embedded == null || embedded.size() != texts.size()) {
            throw new MetaRatingException("embedding model returned " + (embedded == null ? 0 : embedded.size())
                    + " embeddings for " + texts.size() + " texts", null, -1, null, -1);
        }
        double[][] vectors = new double[embedded.size()][];
        for (int i = 0; i < vectors.length; i++) {
            float[] vector = embedded.get(i).vector();
            if (vector.length != dimension) {
                throw new MetaRatingException("embedding model returned dimension " + vector.length
                        + ", the meta RM was trained with " + dimension, null, -1, null, -1);
            }
            double norm = 0;
            for (float v : vector) {
                norm += (double) v * v;
            }
            norm = Math.sqrt(norm);
            vectors[i] = new double[dimension];
            for (int d = 0; d < dimension; d++) {
                vectors[i][d] = norm > 0 ? vector[d] / norm : 0;
            }
        }
        return vectors;
    }

    /** Cosine between sample {@code self}'s unit embedding and the mean of the others'. */
    private static double similarity(int self, double[][] vectors) {
        if (vectors.length < 2) {
            return 0;
        }
        int d = vectors[self].length;
        double[] mean = new double[d];
        for (int j = 0; j < vectors.length; j++) {
            if (j != self) {
                for (int k = 0; k < d; k++) {
                    mean[k] += vectors[j][k];
                }
            }
        }
        double dot = 0;
        double norm = 0;
        for (int k = 0; k < d; k++) {
            dot += vectors[self][k] * mean[k];
            norm += mean[k] * mean[k];
        }
        return norm > 0 ? dot / Math.sqrt(norm) : 0;
    }

    @Override
    public String name() {
        return "logistic(" + model.features().size() + " features" + (dimension > 0 ? ", embeddings " + dimension : "")
                + ")";
    }

    @Override
    public List<String> features() {
        return model.features();
    }

    @Override
    public List<Double> weights() {
        return Arrays.stream(model.weights()).boxed().toList();
    }

    @Override
    public double bias() {
        return model.bias();
    }

    @Override
    public Optional<TrainingMetrics> trained() {
        return Optional.ofNullable(trained);
    }

    @Override
    public String toJson() {
        return ModelFile.write(this);
    }

    ScoreRange range() {
        return range;
    }

    int dimension() {
        return dimension;
    }

    EmbeddingModel embeddings() {
        return embeddings;
    }

    LinearModel stage1() {
        return stage1;
    }

    LinearModel model() {
        return model;
    }

    DefaultLogisticMetaRm withTrained(TrainingMetrics metrics) {
        return new DefaultLogisticMetaRm(range, dimension, embeddings, stage1, model, metrics);
    }

    @Override
    public String toString() {
        List<String> terms = new ArrayList<>();
        for (int i = 0; i < model.features().size(); i++) {
            terms.add(model.features().get(i) + "=" + String.format(java.util.Locale.ROOT, "%.3f", model.weights()[i]));
        }
        return "LogisticMetaRm[" + String.join(", ", terms) + ", bias=" + model.bias() + "]";
    }
}
