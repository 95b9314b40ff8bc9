package dev.grm4j.spark;

import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link GrmSpark#score} on a Dataset built in the test, against grm score on the same items. */
class GrmSparkTest {

    private static SimulatedJudgeServer judge;
    private static SparkSession spark;

    private static final StructType TURN = new StructType()
            .add("role", DataTypes.StringType).add("content", DataTypes.StringType);
    private static final StructType ITEMS = new StructType()
            .add("id", DataTypes.LongType)
            .add("conversation", DataTypes.createArrayType(TURN))
            .add("responses", DataTypes.createArrayType(DataTypes.StringType))
            .add("best", DataTypes.IntegerType)
            .add("source", DataTypes.StringType);

    @BeforeAll
    static void start() {
        judge = SimulatedJudgeServer.start(SimulatedJudge.builder().seed(5).build());
        spark = LocalSpark.session();
    }

    @AfterAll
    static void stop() {
        judge.close();
    }

    @Test
    void scores_each_row_of_a_dataset_as_grm_score_scores_its_line_keeping_the_id_type(@TempDir Path dir)
            throws Exception {
        List<Row> rows = rows(60);
        List<String> flags = flags();

        Map<Long, Row> scored = byId(GrmSpark.score(spark.createDataFrame(rows, ITEMS), SparkScoring.of(flags))
                .collectAsList());
        List<String> expected = ScoreJobTest.grmScore(Items.write(dir.resolve("items.jsonl"), jsonLines(rows)),
                dir.resolve("score.jsonl"), flags);

        assertThat(scored).hasSize(rows.size());
        assertThat(scored.values().iterator().next().schema().apply("id").dataType()).isEqualTo(DataTypes.LongType);
        for (String line : expected) {
            long id = Long.parseLong(line.replaceAll("^\\{\"id\":(\\d+),.*", "$1"));
            Row row = scored.get(id);
            assertThat(line).contains("\"outcome\":\"" + row.getAs("outcome") + "\"");
            assertThat(line).contains("\"best\":" + row.getAs("best"));
            assertThat(line).contains("\"scores\":" + row.getList(row.fieldIndex("scores")).toString().replace(" ", ""));
        }
    }

    @Test
    void gives_the_same_rows_however_the_items_are_cut_into_tasks() {
        Dataset<Row> items = spark.createDataFrame(rows(40), ITEMS);
        SparkScoring scoring = SparkScoring.of(flags());

        List<Row> inTwo = sorted(GrmSpark.score(items.repartition(2), scoring));
        List<Row> inSeven = sorted(GrmSpark.score(items.repartition(7), scoring));

        assertThat(inSeven).isEqualTo(inTwo);
    }

    @Test
    void a_row_that_is_not_an_item_is_an_invalid_input_row_naming_the_field_without_a_line_number() {
        List<Row> rows = List.of(RowFactory.create(1L, List.of(RowFactory.create("user", "q")), List.of(), null, null),
                RowFactory.create(2L, List.of(RowFactory.create("judge", "q")), List.of("a"), null, null));

        List<Row> scored = sorted(GrmSpark.score(spark.createDataFrame(rows, ITEMS), SparkScoring.of(flags())));

        assertThat(scored).extracting(row -> row.getAs("outcome")).containsOnly("INVALID_INPUT");
        assertThat(scored).extracting(row -> row.<String>getAs("error")).containsExactly(
                "responses: empty; at least 1 response is required",
                "conversation[0].role must be system, user or assistant, was 'judge'");
        assertThat(scored).extracting(row -> row.getAs("line")).containsOnlyNulls();
    }

    @Test
    void refuses_a_dataset_without_the_columns_an_item_needs_naming_them() {
        Dataset<Row> wrong = spark.createDataFrame(List.of(RowFactory.create("x", "y")),
                new StructType().add("key", DataTypes.StringType).add("question", DataTypes.StringType));

        assertThatThrownBy(() -> GrmSpark.score(wrong, SparkScoring.of(flags())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("id (a string or an integer)", "prompt (a string) or conversation",
                        "responses (an array of strings)", "[key, question]");
    }

    @Test
    void refuses_flags_grm_score_would_refuse_before_any_task_runs() {
        assertThatThrownBy(() -> SparkScoring.of("--k", "0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--k");
        assertThatThrownBy(() -> SparkScoring.of("--backend", "openai", "--model", "m"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--base-url");
        assertThatThrownBy(() -> SparkScoring.of("--in", "items.jsonl"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Unknown options: '--in'");
        assertThatThrownBy(() -> SparkScoring.of(flags()).withExecutors(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("executors must be >= 1");
    }

    private static List<String> flags() {
        return List.of("--base-url", judge.baseUrl(), "--model", "simulated-judge", "--seed", "13");
    }

    /** Rows of items as conversations, ids as longs, and a column the scorer ignores. */
    private static List<Row> rows(int count) {
        List<Row> rows = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            List<Row> conversation = i % 3 == 0
                    ? List.of(RowFactory.create("user", "Hi"), RowFactory.create("assistant", "Hello!"),
                    RowFactory.create("user", "What is " + i + " squared?"))
                    : List.of(RowFactory.create("user", "What is " + i + " squared?"));
            List<String> responses = i % 4 == 0
                    ? List.of(String.valueOf(i * i), String.valueOf(i * 2), "", "I do not know")
                    : List.of(String.valueOf(i * i), String.valueOf(i + i + 1));
            rows.add(RowFactory.create((long) i, conversation, responses, i % 2 == 0 ? 0 : null, "set-" + (i % 3)));
        }
        return rows;
    }

    /** The rows as grm score's input lines. */
    private static List<String> jsonLines(List<Row> rows) {
        return spark.createDataFrame(rows, ITEMS).toJSON().collectAsList();
    }

    private static Map<Long, Row> byId(List<Row> rows) {
        Map<Long, Row> byId = new LinkedHashMap<>();
        rows.forEach(row -> byId.put(row.getAs("id"), row));
        return byId;
    }

    private static List<Row> sorted(Dataset<Row> scored) {
        return scored.orderBy("id").collectAsList();
    }
}
