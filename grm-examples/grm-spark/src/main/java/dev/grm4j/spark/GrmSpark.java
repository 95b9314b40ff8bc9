package dev.grm4j.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Scores a Spark {@code Dataset<Row>} of items as {@code grm score} scores a file: one row out per row in,
 * with {@code grm score}'s output fields.
 *
 * <pre>{@code
 * Dataset<Row> scored = GrmSpark.score(items, SparkScoring.of("--base-url", "http://judge:8000/v1",
 *         "--model", "grm-27b", "--k", "8", "--concurrency", "256"));
 * scored.write().parquet("s3://bucket/scored/");
 * }</pre>
 *
 * <p><b>In:</b> an {@code id} column (string or integer), {@code prompt} (a string) or {@code conversation}
 * (an array of {@code struct<role, content>}), {@code responses} (an array of strings) and optionally
 * {@code best} (a 0-based integer index). Other columns are ignored. A row that is not a valid item is a
 * row of outcome {@code INVALID_INPUT} naming the field at fault, as {@code grm score} writes it.
 *
 * <p><b>Out:</b> {@link #RESULT_SCHEMA}, {@code id} of the input's type: {@code scores}, {@code best},
 * {@code tie_broken}, {@code principles}, {@code critique}, {@code outcome}, {@code error}, and for a
 * vote ({@code --k} above 1) {@code scores} as the vote's totals with {@code means}, {@code k},
 * {@code samples_run}, {@code valid_samples} and {@code adaptive}; the fields a result lacks are null.
 *
 * <p><b>The judge.</b> Each executor JVM opens one judge (one backend, one voting model) and judges at
 * most its share of {@code --concurrency}, the fleet's budget: {@code ceil(concurrency / executors)} items
 * at once over all its tasks. Every draw is seeded from the item and the flags, so a retried or
 * speculative task writes the same rows. The result is lazy, as Spark's are: every action on it judges
 * again, so persist it (or write it once) when it is used twice.
 */
public final class GrmSpark {

    /** The schema of a scored row, with {@code id} as a string; {@link #score} gives {@code id} the input's type. */
    public static final StructType RESULT_SCHEMA = resultSchema(DataTypes.StringType);

    /** The wait before the second attempt of a task whose judge was unreachable; it doubles after. */
    static final long FIRST_RETRY_WAIT_MS = 1_000;

    private static final List<String> ITEM_COLUMNS = List.of("id", "prompt", "conversation", "responses", "best");

    private GrmSpark() {
    }

    /**
     * The items scored, one row per row, lazily.
     *
     * @throws IllegalArgumentException if {@code items} lacks a column an item needs, naming it
     */
    public static Dataset<Row> score(Dataset<Row> items, SparkScoring scoring) {
        StructType schema = items.schema();
        Set<String> columns = Set.of(schema.fieldNames());
        List<String> missing = new ArrayList<>();
        if (!columns.contains("id")) {
            missing.add("id (a string or an integer)");
        }
        if (!columns.contains("prompt") && !columns.contains("conversation")) {
            missing.add("prompt (a string) or conversation (an array of struct<role, content>)");
        }
        if (!columns.contains("responses")) {
            missing.add("responses (an array of strings)");
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("the items lack the column" + (missing.size() == 1 ? " " : "s ")
                    + String.join(", ", missing) + "; they have " + Arrays.toString(schema.fieldNames()));
        }
        org.apache.spark.sql.Column[] kept = ITEM_COLUMNS.stream().filter(columns::contains)
                .map(items::col).toArray(org.apache.spark.sql.Column[]::new);
        JavaRDD<Tuple2<String, Long>> lines = items.select(kept).toJSON().javaRDD()
                .map(json -> new Tuple2<>(json, 0L));
        SparkSession spark = items.sparkSession();
        Dataset<String> results = scoreLines(spark, lines, scoring);
        return spark.read().schema(resultSchema(schema.apply("id").dataType())).json(results);
    }

    /**
     * The JSON lines {@code grm score} writes for these items, in order: each item's text and its
     * 1-based line number (0 for none).
     */
    static Dataset<String> scoreLines(SparkSession spark, JavaRDD<Tuple2<String, Long>> lines, SparkScoring scoring) {
        int executors = scoring.executors() > 0 ? scoring.executors() : executors(spark);
        int share = (int) Math.max(1, (scoring.fleetConcurrency() + (long) executors - 1) / executors);
        JavaRDD<String> scored = lines.mapPartitions(new PartitionScorer(scoring, share, FIRST_RETRY_WAIT_MS), true);
        return spark.createDataset(scored.rdd(), Encoders.STRING());
    }

    /**
     * The executors the fleet's budget is divided among: one in local mode, else
     * {@code spark.executor.instances}, else {@code spark.dynamicAllocation.maxExecutors}.
     *
     * @throws IllegalArgumentException when the configuration does not say
     */
    static int executors(SparkSession spark) {
        return executors(spark.sparkContext().isLocal(), spark.sparkContext().getConf());
    }

    static int executors(boolean local, SparkConf conf) {
        if (local) {
            return 1;
        }
        if (conf.contains("spark.executor.instances")) {
            return Math.max(1, conf.getInt("spark.executor.instances", 1));
        }
        if (conf.contains("spark.dynamicAllocation.maxExecutors")) {
            int max = conf.getInt("spark.dynamicAllocation.maxExecutors", Integer.MAX_VALUE);
            if (max < Integer.MAX_VALUE) {
                return Math.max(1, max);
            }
        }
        throw new IllegalArgumentException("cannot divide --concurrency among the executors: set "
                + "spark.executor.instances, or a finite spark.dynamicAllocation.maxExecutors, or give the number "
                + "(SparkScoring.withExecutors, the job's --executors)");
    }

    /** The scored row's schema, {@code id} of type {@code idType}. */
    static StructType resultSchema(DataType idType) {
        StructType principle = new StructType(new StructField[]{
                DataTypes.createStructField("text", DataTypes.StringType, true),
                DataTypes.createStructField("weight", DataTypes.DoubleType, true)});
        return new StructType(new StructField[]{
                DataTypes.createStructField("id", idType, true),
                DataTypes.createStructField("line", DataTypes.LongType, true),
                DataTypes.createStructField("scores", DataTypes.createArrayType(DataTypes.IntegerType), true),
                DataTypes.createStructField("best", DataTypes.IntegerType, true),
                DataTypes.createStructField("tie_broken", DataTypes.BooleanType, true),
                DataTypes.createStructField("principles", DataTypes.createArrayType(principle), true),
                DataTypes.createStructField("critique", DataTypes.StringType, true),
                DataTypes.createStructField("means", DataTypes.createArrayType(DataTypes.DoubleType), true),
                DataTypes.createStructField("k", DataTypes.IntegerType, true),
                DataTypes.createStructField("samples_run", DataTypes.IntegerType, true),
                DataTypes.createStructField("valid_samples", DataTypes.IntegerType, true),
                DataTypes.createStructField("adaptive", DataTypes.StringType, true),
                DataTypes.createStructField("outcome", DataTypes.StringType, true),
                DataTypes.createStructField("error", DataTypes.StringType, true)});
    }
}
