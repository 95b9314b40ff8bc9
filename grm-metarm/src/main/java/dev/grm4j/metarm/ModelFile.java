package dev.grm4j.metarm;

import dev.grm4j.metarm.LogisticMetaRm.MetaRmFormatException;
import dev.grm4j.metarm.LogisticMetaRm.MetaRmEvaluation;
import dev.grm4j.metarm.LogisticMetaRm.TrainingMetrics;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.core.ScoreRange;
import dev.grm4j.core.internal.Json;
import dev.langchain4j.model.embedding.EmbeddingModel;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The versioned JSON of a {@link LogisticMetaRm}. Doubles are written in their shortest exact form. */
final class ModelFile {

    private ModelFile() {
    }

    static String write(DefaultLogisticMetaRm rm) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("format", LogisticMetaRm.FORMAT);
        root.put("version", LogisticMetaRm.VERSION);
        writeLinear(root, rm.model());
        writeLinear(root.putObject("stage1"), rm.stage1());
        root.putArray("score_range").add(rm.range().min()).add(rm.range().max());
        if (rm.dimension() > 0) {
            ObjectNode embedding = root.putObject("embedding");
            embedding.put("dimension", rm.dimension());
            embedding.put("model", String.valueOf(rm.embeddings().modelName()));
        }
        rm.trained().ifPresent(metrics -> {
            ObjectNode trained = root.putObject("trained");
            trained.put("seed", metrics.seed());
            trained.put("holdout_share", metrics.holdoutShare());
            trained.put("l2", metrics.l2());
            trained.put("iterations", metrics.iterations());
            writeEvaluation(trained.putObject("train"), metrics.train());
            if (metrics.holdout().isPresent()) {
                writeEvaluation(trained.putObject("holdout"), metrics.holdout().get());
            } else {
                trained.putNull("holdout");
            }
        });
        try {
            return Json.MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values always serializes", e);
        }
    }

    static DefaultLogisticMetaRm read(String json, EmbeddingModel embeddings) {
        if (json == null) {
            throw new MetaRmFormatException("model file is empty (null)", null);
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new MetaRmFormatException("model file is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new MetaRmFormatException("model file: expected a JSON object", null);
        }
        try {
            String format = root.path("format").asText("");
            if (!LogisticMetaRm.FORMAT.equals(format)) {
                throw new IllegalArgumentException("format: expected \"" + LogisticMetaRm.FORMAT + "\", was \""
                        + format + "\"");
            }
            JsonNode version = root.path("version");
            if (!version.isInt() || version.intValue() != LogisticMetaRm.VERSION) {
                throw new IllegalArgumentException("version: this library reads version " + LogisticMetaRm.VERSION
                        + ", was " + version);
            }
            LinearModel model = readLinear(root, "");
            LinearModel stage1 = readLinear(field(root, "stage1"), "stage1.");
            JsonNode rangeNode = field(root, "score_range");
            if (!rangeNode.isArray() || rangeNode.size() != 2 || !rangeNode.get(0).isInt() || !rangeNode.get(1).isInt()) {
                throw new IllegalArgumentException("score_range: expected [min, max], was " + rangeNode);
            }
            ScoreRange range = ScoreRange.of(rangeNode.get(0).intValue(), rangeNode.get(1).intValue());
            int dimension = 0;
            JsonNode embedding = root.get("embedding");
            if (embedding != null && !embedding.isNull()) {
                JsonNode dim = field(embedding, "dimension");
                if (!dim.isInt() || dim.intValue() < 1) {
                    throw new IllegalArgumentException("embedding.dimension: expected a positive integer, was " + dim);
                }
                dimension = dim.intValue();
                if (embeddings == null) {
                    throw new IllegalArgumentException("the model uses " + dimension
                            + "-dimensional text embeddings: load it with the embedding model it was trained with");
                }
                int given = embeddings.dimension();
                if (given != dimension) {
                    throw new IllegalArgumentException("embedding.dimension is " + dimension
                            + " but the given embedding model has dimension " + given);
                }
            }
            return new DefaultLogisticMetaRm(range, dimension, embeddings, stage1, model, readTrained(root.get("trained")));
        } catch (IllegalArgumentException e) {
            throw new MetaRmFormatException("model file: " + e.getMessage(), e);
        }
    }

    private static void writeLinear(ObjectNode node, LinearModel model) {
        ArrayNode features = node.putArray("features");
        model.features().forEach(features::add);
        ArrayNode means = node.putArray("means");
        for (double v : model.means()) {
            means.add(v);
        }
        ArrayNode scales = node.putArray("scales");
        for (double v : model.scales()) {
            scales.add(v);
        }
        ArrayNode weights = node.putArray("weights");
        for (double v : model.weights()) {
            weights.add(v);
        }
        node.put("bias", model.bias());
        node.put("iterations", model.iterations());
    }

    private static LinearModel readLinear(JsonNode node, String prefix) {
        JsonNode featureNode = field(node, "features", prefix);
        if (!featureNode.isArray()) {
            throw new IllegalArgumentException(prefix + "features: expected an array of names");
        }
        List<String> features = new ArrayList<>();
        for (JsonNode name : featureNode) {
            if (!name.isTextual()) {
                throw new IllegalArgumentException(prefix + "features: expected names, found " + name);
            }
            features.add(name.asText());
        }
        double[] means = numbers(node, "means", prefix);
        double[] scales = numbers(node, "scales", prefix);
        double[] weights = numbers(node, "weights", prefix);
        JsonNode bias = field(node, "bias", prefix);
        if (!bias.isNumber()) {
            throw new IllegalArgumentException(prefix + "bias: expected a number, was " + bias);
        }
        JsonNode iterations = node.path("iterations");
        try {
            return new LinearModel(features, means, scales, weights, bias.doubleValue(),
                    iterations.isInt() ? iterations.intValue() : 0);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(prefix + e.getMessage(), e);
        }
    }

    private static double[] numbers(JsonNode node, String name, String prefix) {
        JsonNode array = field(node, name, prefix);
        if (!array.isArray()) {
            throw new IllegalArgumentException(prefix + name + ": expected an array of numbers");
        }
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            if (!array.get(i).isNumber()) {
                throw new IllegalArgumentException(prefix + name + "[" + i + "]: expected a number, was " + array.get(i));
            }
            values[i] = array.get(i).doubleValue();
        }
        return values;
    }

    private static JsonNode field(JsonNode node, String name) {
        return field(node, name, "");
    }

    private static JsonNode field(JsonNode node, String name, String prefix) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException(prefix + name + ": missing");
        }
        return value;
    }

    private static void writeEvaluation(ObjectNode node, MetaRmEvaluation evaluation) {
        node.put("items", evaluation.items());
        node.put("samples", evaluation.samples());
        node.put("positives", evaluation.positives());
        putNumber(node, "auc", evaluation.auc());
        putNumber(node, "accuracy", evaluation.accuracy());
        putNumber(node, "log_loss", evaluation.logLoss());
    }

    /** JSON has no NaN: an undefined figure is null. */
    static void putNumber(ObjectNode node, String name, double value) {
        if (Double.isFinite(value)) {
            node.put(name, value);
        } else {
            node.putNull(name);
        }
    }

    private static @Nullable TrainingMetrics readTrained(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        JsonNode holdout = node.get("holdout");
        return new TrainingMetrics(readEvaluation(field(node, "train", "trained.")),
                holdout == null || holdout.isNull() ? Optional.empty() : Optional.of(readEvaluation(holdout)),
                node.path("seed").asLong(), node.path("holdout_share").asDouble(), node.path("l2").asDouble(),
                node.path("iterations").asInt());
    }

    private static MetaRmEvaluation readEvaluation(JsonNode node) {
        return new MetaRmEvaluation(node.path("items").asInt(), node.path("samples").asInt(),
                node.path("positives").asInt(), number(node, "auc"), number(node, "accuracy"), number(node, "log_loss"));
    }

    private static double number(JsonNode node, String name) {
        JsonNode value = node.get(name);
        return value != null && value.isNumber() ? value.doubleValue() : Double.NaN;
    }
}
