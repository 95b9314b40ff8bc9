package dev.grm4j.metarm;

import dev.grm4j.metarm.TrajectoryRecord.TrajectoryWriter;
import dev.grm4j.metarm.TrajectoryRecord.TrajectoryReader;
import dev.grm4j.metarm.LogisticMetaRm.MetaRmFormatException;
import dev.grm4j.metarm.LogisticMetaRm.MetaRmEvaluation;
import dev.grm4j.metarm.LogisticMetaRm.TrainingMetrics;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.TokenUsage;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LogisticMetaRmTest {

    static List<TrajectoryRecord> careless;

    @BeforeAll
    static void record() {
        careless = new Simulated(80, 8, 0.4).records();
    }

    static void assertSameRatings(MetaRewardModel a, MetaRewardModel b, List<TrajectoryRecord> records) {
        for (RequestGroup group : RequestGroup.of(records)) {
            List<Double> first = a.rate(group.request(), group.judgements());
            List<Double> second = b.rate(group.request(), group.judgements());
            assertThat(second).isEqualTo(first);
        }
    }

    @Nested
    class Training {

        @Test
        void a_model_trained_on_careless_samples_separates_correct_from_incorrect_on_held_out_items() {
            // 200 items, not the shared 80: 40 held-out items put the accuracy's noise (about 0.03) at the
            // size of the margin being checked.
            LogisticMetaRm model = LogisticMetaRm.trainer().holdout(0.5).seed(1).train(new Simulated(200, 8, 0.4).records());

            TrainingMetrics metrics = model.trained().orElseThrow();
            MetaRmEvaluation held = metrics.holdout().orElseThrow();
            System.out.printf("logistic meta RM on 200 simulated items (R=0.4, k=8): train %s, holdout %s%n",
                    metrics.train(), held);
            assertThat(held.items()).isEqualTo(100);
            assertThat(metrics.train().items()).isEqualTo(100);
            assertThat(held.samples() + metrics.train().samples()).isLessThanOrEqualTo(1600);
            assertThat(held.auc()).isGreaterThan(0.75);
            assertThat(held.accuracy()).isGreaterThan(0.7);
            assertThat(held.logLoss()).isLessThan(0.6);
            assertThat(model.features()).isEqualTo(LogisticMetaRm.availableFeatures());
            assertThat(model.weights()).hasSameSizeAs(model.features());
        }

        @Test
        void the_same_records_and_seed_give_the_same_weights() {
            LogisticMetaRm first = LogisticMetaRm.trainer().holdout(0.25).seed(42).train(careless);
            LogisticMetaRm second = LogisticMetaRm.trainer().holdout(0.25).seed(42).train(new ArrayList<>(careless));

            assertThat(second.weights()).isEqualTo(first.weights());
            assertThat(second.bias()).isEqualTo(first.bias());
            assertThat(second.toJson()).isEqualTo(first.toJson());
        }

        @Test
        void another_seed_holds_out_other_items() {
            LogisticMetaRm first = LogisticMetaRm.trainer().holdout(0.25).seed(42).train(careless);
            LogisticMetaRm other = LogisticMetaRm.trainer().holdout(0.25).seed(43).train(careless);

            assertThat(other.weights()).isNotEqualTo(first.weights());
        }

        @Test
        void the_holdout_splits_by_item_never_inside_one() {
            java.util.Set<String> held = dev.grm4j.metarm.Training.holdoutItems(RequestGroup.of(careless), 0.3, 7);

            assertThat(held).hasSize(24);
            assertThat(dev.grm4j.metarm.Training.holdoutItems(RequestGroup.of(careless), 0.3, 7)).isEqualTo(held);
            MetaRmEvaluation heldOut = LogisticMetaRm.trainer().holdout(0.3).seed(7).train(careless).trained()
                    .orElseThrow().holdout().orElseThrow();
            long labelled = careless.stream().filter(r -> held.contains(r.item()) && r.label().isPresent()).count();
            assertThat(heldOut.samples()).isEqualTo((int) labelled);
        }

        @Test
        void training_without_incorrect_samples_is_refused_with_the_counts() {
            List<TrajectoryRecord> allCorrect = careless.stream()
                    .filter(record -> record.label().orElse(false)).toList();

            assertThatThrownBy(() -> LogisticMetaRm.trainer().train(allCorrect))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("training needs correct and incorrect samples, found")
                    .hasMessageContaining("and 0 incorrect");
        }

        @Test
        void a_feature_subset_is_kept_and_an_unknown_feature_refused() {
            LogisticMetaRm small = LogisticMetaRm.trainer().features(List.of("coverage", "consensus_share"))
                    .train(careless);

            assertThat(small.features()).containsExactly("coverage", "consensus_share");
            assertThatThrownBy(() -> LogisticMetaRm.trainer().features(List.of("coverage", "label")).train(careless))
                    .hasMessageContaining("unknown feature 'label'");
        }

        @Test
        void the_trainer_checks_each_setting() {
            assertThatThrownBy(() -> LogisticMetaRm.trainer().holdout(1.0)).hasMessage("holdout must be in [0, 1), was 1.0");
            assertThatThrownBy(() -> LogisticMetaRm.trainer().l2(-1)).hasMessageContaining("l2 must be finite and >= 0");
            assertThatThrownBy(() -> LogisticMetaRm.trainer().features(List.of())).hasMessage("features is empty");
        }
    }

    @Nested
    class ModelFiles {

        @Test
        void a_saved_model_loads_and_gives_identical_ratings(@TempDir Path dir) throws IOException {
            LogisticMetaRm model = LogisticMetaRm.trainer().holdout(0.2).seed(3).train(careless);
            Path file = dir.resolve("metarm.json");

            model.save(file);
            LogisticMetaRm loaded = LogisticMetaRm.load(file);

            assertSameRatings(model, loaded, careless);
            assertThat(loaded.toJson()).isEqualTo(model.toJson());
            assertThat(loaded.trained()).isEqualTo(model.trained());
            assertThat(loaded.features()).isEqualTo(model.features());
        }

        @Test
        void the_file_is_versioned_json_with_the_documented_fields() throws IOException {
            String json = LogisticMetaRm.trainer().holdout(0.2).train(careless).toJson();

            com.fasterxml.jackson.databind.JsonNode root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            assertThat(root.get("format").asText()).isEqualTo("grm4j-metarm");
            assertThat(root.get("version").asInt()).isEqualTo(1);
            int d = root.get("features").size();
            assertThat(root.get("means").size()).isEqualTo(d);
            assertThat(root.get("scales").size()).isEqualTo(d);
            assertThat(root.get("weights").size()).isEqualTo(d);
            assertThat(root.get("bias").isNumber()).isTrue();
            assertThat(root.get("stage1").get("features").size()).isEqualTo(15);
            assertThat(root.get("trained").get("holdout").get("auc").isNumber()).isTrue();
            assertThat(root.get("trained").get("train").get("log_loss").isNumber()).isTrue();
        }

        @Test
        void a_file_of_another_format_version_or_shape_is_refused_by_name() {
            String json = LogisticMetaRm.trainer().train(careless).toJson();

            assertThatThrownBy(() -> LogisticMetaRm.fromJson(json.replace("grm4j-metarm", "other")))
                    .isInstanceOf(MetaRmFormatException.class).hasMessageContaining("format: expected \"grm4j-metarm\"");
            assertThatThrownBy(() -> LogisticMetaRm.fromJson(json.replace("\"version\":1", "\"version\":2")))
                    .isInstanceOf(MetaRmFormatException.class).hasMessageContaining("version: this library reads version 1");
            assertThatThrownBy(() -> LogisticMetaRm.fromJson(json.replace("\"score_margin\"", "\"secret_label\"")))
                    .isInstanceOf(MetaRmFormatException.class).hasMessageContaining("unknown feature 'secret_label'");
            assertThatThrownBy(() -> LogisticMetaRm.fromJson(json.replaceFirst("\"means\":\\[[-0-9.E]+,", "\"means\":[")))
                    .isInstanceOf(MetaRmFormatException.class).hasMessageContaining("same length");
            assertThatThrownBy(() -> LogisticMetaRm.fromJson("{\"format\": \"grm4j-metarm\""))
                    .isInstanceOf(MetaRmFormatException.class).hasMessageContaining("not valid JSON");
        }
    }

    @Nested
    class Rating {

        @Test
        void unscored_samples_get_nan_and_scored_ones_a_probability() {
            LogisticMetaRm model = LogisticMetaRm.trainer().train(careless);
            RequestGroup group = RequestGroup.of(careless).get(0);
            List<Judgement> samples = new ArrayList<>(group.judgements());
            samples.add(Judgement.unparseable("no box", "?", List.of(0, 1), TokenUsage.ZERO, Duration.ZERO));

            List<Double> ratings = model.rateAsync(group.request(), samples).join();

            assertThat(ratings).hasSize(samples.size());
            assertThat(ratings.get(ratings.size() - 1)).isNaN();
            assertThat(ratings.subList(0, ratings.size() - 1)).allSatisfy(r -> assertThat(r).isBetween(0.0, 1.0));
        }

        @Test
        void a_lone_sample_is_rated_without_siblings() {
            LogisticMetaRm model = LogisticMetaRm.trainer().train(careless);
            RequestGroup group = RequestGroup.of(careless).get(0);

            assertThat(model.rate(group.request(), group.judgements().subList(0, 1)).get(0)).isBetween(0.0, 1.0);
        }

        @Test
        void a_sample_that_does_not_fit_the_request_is_an_argument_error() {
            LogisticMetaRm model = LogisticMetaRm.trainer().train(careless);
            RequestGroup group = RequestGroup.of(careless).get(0);

            assertThatThrownBy(() -> model.rate(GrmRequest.of("q?", "a", "b", "c"), group.judgements()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has 2 scores but the request has 3");
        }
    }

    @Nested
    class Embeddings {

        /** A deterministic stand-in: word-hash counts, 16 dimensions. */
        final EmbeddingModel hashing = new EmbeddingModel() {
            @Override
            public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
                List<Embedding> embeddings = new ArrayList<>();
                for (TextSegment segment : segments) {
                    float[] vector = new float[16];
                    for (String word : segment.text().toLowerCase().split("\\W+")) {
                        vector[Math.floorMod(word.hashCode(), 16)] += 1;
                    }
                    embeddings.add(Embedding.from(vector));
                }
                return Response.from(embeddings);
            }

            @Override
            public int dimension() {
                return 16;
            }

            @Override
            public String modelName() {
                return "hashing-16";
            }
        };

        @Test
        void embedding_features_train_save_and_load_with_the_same_embedding_model(@TempDir Path dir) throws IOException {
            LogisticMetaRm model = LogisticMetaRm.trainer().embeddings(hashing).holdout(0.5).seed(1).train(careless);
            Path file = dir.resolve("metarm.json");
            model.save(file);

            assertThat(model.features()).contains("embedding_similarity", "embedding_0", "embedding_15");
            assertThat(model.trained().orElseThrow().holdout().orElseThrow().auc()).isGreaterThan(0.75);
            assertSameRatings(model, LogisticMetaRm.load(file, hashing), careless);
            assertThatThrownBy(() -> LogisticMetaRm.load(file))
                    .isInstanceOf(MetaRmFormatException.class)
                    .hasMessageContaining("uses 16-dimensional text embeddings");
        }

        @Test
        void an_embedding_model_that_fails_is_a_rating_failure() {
            LogisticMetaRm model = LogisticMetaRm.trainer().embeddings(hashing).train(careless);
            EmbeddingModel offline = new EmbeddingModel() {
                @Override
                public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
                    throw new IllegalStateException("offline");
                }

                @Override
                public int dimension() {
                    return 16;
                }
            };
            LogisticMetaRm loaded = LogisticMetaRm.fromJson(model.toJson(), offline);
            RequestGroup group = RequestGroup.of(careless).get(0);

            assertThatThrownBy(() -> loaded.rate(group.request(), group.judgements()))
                    .isInstanceOf(MetaRatingException.class).hasMessage("embedding model failed: offline");
        }
    }

    @Test
    void training_reads_a_recorded_file_and_a_malformed_line_is_reported_by_number(@TempDir Path dir) throws IOException {
        StringWriter text = new StringWriter();
        try (TrajectoryWriter writer = TrajectoryWriter.of(text)) {
            for (TrajectoryRecord record : careless) {
                writer.write(record);
            }
        }
        List<String> lines = new ArrayList<>(List.of(text.toString().split("\n")));
        Path good = dir.resolve("good.jsonl");
        Files.writeString(good, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        lines.set(6, lines.get(6).substring(0, 40));
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);

        assertThat(LogisticMetaRm.trainer().train(TrajectoryReader.readAll(good)).toJson())
                .isEqualTo(LogisticMetaRm.trainer().train(careless).toJson());
        assertThatThrownBy(() -> LogisticMetaRm.trainer().train(TrajectoryReader.readAll(bad)))
                .isInstanceOf(MetaRmFormatException.class)
                .hasMessageStartingWith("line 7: ")
                .satisfies(e -> assertThat(((MetaRmFormatException) e).line()).isEqualTo(OptionalInt.of(7)));
        assertThat(TrajectoryReader.readAll(new StringReader(""))).isEmpty();
    }
}
