package dev.grm4j.spark;

import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapred.TextInputFormat;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;
import scala.Tuple2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.io.Serial;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The Spark job: reads items (JSON lines or Parquet), scores them as {@code grm score} does, writes the
 * results (JSON lines or Parquet). Run with {@code spark-submit --class dev.grm4j.spark.ScoreJob
 * grm-spark.jar --in ... --out ... [grm score's flags]}, or in local mode with {@code run-local.sh}.
 *
 * <p>A JSON Lines input keeps {@code grm score}'s reading exactly: each line is parsed by grm4j (not by
 * Spark), so a bad line is an {@code INVALID_INPUT} result naming its line number; the lines are cut
 * into contiguous ranges, one a partition, so the part files of a JSON Lines output, read in order, are
 * {@code grm score}'s output line for line.
 */
@Command(name = "grm-spark", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Scores every item of --in as grm score does, on Spark, into --out (a directory of part files).",
                "Every other flag is one of grm score's judging flags (grm score --help), except that "
                        + "--concurrency is the budget of the whole fleet: the most items judged at once over all "
                        + "executors, ceil(C / executors) each (default: 8)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every item has its row in --out (rows of failed or invalid items included)",
                "1:the job failed (after Spark's retries: the message says why)",
                "2:usage error"})
public final class ScoreJob implements Callable<Integer> {

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--in", required = true, paramLabel = "PATH",
            description = "The items: a JSON Lines file (or a directory of them), or Parquet with --in-format parquet.")
    private String in;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The output directory; it must not exist.")
    private String out;

    @Option(names = "--in-format", paramLabel = "jsonl|parquet",
            description = "Default: parquet when --in ends in .parquet, else jsonl.")
    private String inFormat;

    @Option(names = "--out-format", paramLabel = "jsonl|parquet", defaultValue = "jsonl",
            description = "jsonl writes grm score's output lines; parquet the same fields as columns (default: ${DEFAULT-VALUE}).")
    private String outFormat;

    @Option(names = "--partitions", paramLabel = "N",
            description = "How many tasks the items are cut into (default: the session's default parallelism, "
                    + "or the input's partitions if more).")
    private Integer partitions;

    @Option(names = "--executors", paramLabel = "E",
            description = "The executors --concurrency is divided among (default: spark.executor.instances, or "
                    + "spark.dynamicAllocation.maxExecutors; 1 in local mode).")
    private Integer executors;

    @Unmatched
    private List<String> scoreFlags = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new ScoreJob());
    }

    @Override
    public Integer call() {
        CommandLine command = spec.commandLine();
        String input = format(command, "--in-format", inFormat != null ? inFormat
                : in.toLowerCase(Locale.ROOT).endsWith(".parquet") ? "parquet" : "jsonl");
        String output = format(command, "--out-format", outFormat);
        SparkScoring scoring;
        try {
            scoring = SparkScoring.of(scoreFlags);
            if (executors != null) {
                scoring = scoring.withExecutors(executors);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command, e.getMessage());
        }
        if (partitions != null && partitions < 1) {
            throw new CommandLine.ParameterException(command, "--partitions must be >= 1, was " + partitions);
        }
        // A session that is already running (a notebook, a test) is used and left running.
        boolean own = SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
        SparkSession spark = SparkSession.builder().appName("grm-spark score").getOrCreate();
        try {
            Path target = new Path(out);
            if (target.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(target)) {
                throw new CommandLine.ParameterException(command, "--out: " + out
                        + " already exists; the job writes a new directory");
            }
            run(spark, input, output, scoring);
        } catch (CommandLine.ParameterException usage) {
            throw usage;
        } catch (Exception e) { // Spark's failures are checked exceptions that Scala throws undeclared
            // Spark's message names the task, its attempts and the last failure's reason; its stack traces follow.
            String message = String.valueOf(e.getMessage());
            command.getErr().println("error: the job failed: " + message.lines().findFirst().orElse(message));
            command.getErr().flush();
            return 1;
        } finally {
            if (own) {
                spark.stop();
            }
        }
        return 0;
    }

    /** Scores {@code --in} into {@code --out}. */
    void run(SparkSession spark, String inputFormat, String outputFormat, SparkScoring scoring) {
        if (inputFormat.equals("jsonl")) {
            Dataset<String> lines = GrmSpark.scoreLines(spark, numberedLines(spark), scoring);
            if (outputFormat.equals("jsonl")) {
                lines.write().text(out);
            } else {
                spark.read().schema(GrmSpark.resultSchema(DataTypes.StringType)).json(lines).write().parquet(out);
            }
            return;
        }
        Dataset<Row> items = spark.read().parquet(in);
        int wanted = partitions != null ? partitions : spark.sparkContext().defaultParallelism();
        if (items.rdd().getNumPartitions() < wanted) {
            items = items.repartition(wanted);
        }
        Dataset<Row> scored = GrmSpark.score(items, scoring);
        if (outputFormat.equals("jsonl")) {
            scored.toJSON().write().text(out);
        } else {
            scored.write().parquet(out);
        }
    }

    /**
     * The lines of {@code --in} with their 1-based numbers, cut into contiguous ranges in order: partition
     * p holds lines before partition p + 1's.
     */
    private JavaRDD<Tuple2<String, Long>> numberedLines(SparkSession spark) {
        // Hadoop's reader, not Spark's text source, so that each line's bytes can be checked as UTF-8.
        JavaRDD<String> text = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .hadoopFile(in, TextInputFormat.class, LongWritable.class, Text.class)
                .map(line -> decode(line._1().get(), line._2()));
        JavaPairRDD<Long, String> numbered = text.zipWithIndex().mapToPair(line -> new Tuple2<>(line._2() + 1, line._1()));
        long count = numbered.count();
        if (count == 0) {
            spec.commandLine().getErr().println("warning: the input held no lines: nothing was scored");
            spec.commandLine().getErr().flush();
        }
        int wanted = partitions != null ? partitions
                : Math.max(text.getNumPartitions(), spark.sparkContext().defaultParallelism());
        int ranges = (int) Math.max(1, Math.min(wanted, count));
        return numbered.repartitionAndSortWithinPartitions(new LineRanges(ranges, count))
                .map(line -> new Tuple2<>(line._2(), line._1()));
    }

    /**
     * A line's text, or null when its bytes are not UTF-8 (the parser then names the line, as grm score
     * does). A byte-order mark that opens a file is dropped, as grm score drops it.
     *
     * @param offset the line's byte offset in its file
     */
    static String decode(long offset, Text line) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(line.getBytes(), 0, line.getLength())).toString();
            return offset == 0 && text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String format(CommandLine command, String option, String value) {
        String format = value.toLowerCase(Locale.ROOT);
        if (!format.equals("jsonl") && !format.equals("parquet")) {
            throw new CommandLine.ParameterException(command, option + " must be jsonl or parquet, was '" + value + "'");
        }
        return format;
    }

    /** Line n of {@code count} goes to range {@code (n - 1) * ranges / count}: contiguous, in order. */
    static final class LineRanges extends Partitioner {
        @Serial
        private static final long serialVersionUID = 1L;

        private final int ranges;
        private final long count;

        LineRanges(int ranges, long count) {
            this.ranges = ranges;
            this.count = Math.max(1, count);
        }

        @Override
        public int numPartitions() {
            return ranges;
        }

        @Override
        public int getPartition(Object key) {
            long line = (Long) key;
            return (int) Math.min(ranges - 1, Math.max(0, (line - 1) * ranges / count));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof LineRanges that && ranges == that.ranges && count == that.count;
        }

        @Override
        public int hashCode() {
            return 31 * ranges + Long.hashCode(count);
        }
    }

}
