package dev.grm4j.spark;

import dev.grm4j.core.testing.Fault;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.core.testing.SimulatedJudgeServer;
import dev.grm4j.examples.cli.GrmCli;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Spark job against {@code grm score}: the same items, the same flags and seed, the same judge over
 * real HTTP on loopback, give the same lines; and a task that fails midway is retried by Spark without
 * losing or repeating a row.
 */
class ScoreJobTest {

    private static final int ITEMS = 500;

    private static SimulatedJudgeServer judge;
    private static SimulatedJudgeServer faultyJudge;
    private static SparkSession spark;

    /** The judge's 200th to 204th calls are refused as unauthorized: the watch's sign of no judge. */
    private static final long FIRST_FAULT = 200;

    @BeforeAll
    static void start() {
        judge = SimulatedJudgeServer.start(SimulatedJudge.builder().seed(3).build());
        faultyJudge = SimulatedJudgeServer.builder(SimulatedJudge.builder().seed(3).build())
                .faults((number, request) -> number >= FIRST_FAULT && number < FIRST_FAULT + 5
                        ? Optional.of(Fault.status(401)) : Optional.empty())
                .build().start();
        spark = LocalSpark.session();
    }

    @AfterAll
    static void stop() {
        judge.close();
        faultyJudge.close();
    }

    @Test
    void five_hundred_items_give_the_lines_grm_score_writes_with_the_same_seed(@TempDir Path dir) throws IOException {
        Path items = Items.write(dir.resolve("items.jsonl"), Items.lines(ITEMS, 1));
        List<String> flags = List.of("--base-url", judge.baseUrl(), "--model", "simulated-judge", "--seed", "7",
                "--concurrency", "16");

        List<String> expected = grmScore(items, dir.resolve("score.jsonl"), flags);
        List<String> rows = sparkJob(items, dir.resolve("spark"), flags);

        assertThat(expected).hasSize(ITEMS);
        assertThat(rows).containsExactlyElementsOf(expected);
        assertThat(rows).filteredOn(line -> line.contains("\"INVALID_INPUT\"")).hasSize(ITEMS / 50)
                .allSatisfy(line -> assertThat(line).contains("\"line\":"));
        assertThat(rows).filteredOn(line -> line.contains("\"SCORED\"")).hasSizeGreaterThan(ITEMS * 9 / 10);
        assertThat(partFiles(dir.resolve("spark"))).hasSizeGreaterThan(1);
    }

    @Test
    void reads_bytes_as_grm_score_does_a_byte_order_mark_crlf_endings_and_a_line_that_is_not_utf8(@TempDir Path dir)
            throws IOException {
        List<String> lines = Items.lines(12, 6);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        bytes.write(new byte[]{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        for (int i = 0; i < lines.size(); i++) {
            bytes.write((i == 3 ? "{\"id\": \"bad-bytes\", \"prompt\": \"caf" : lines.get(i))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (i == 3) {
                bytes.write(new byte[]{(byte) 0xC3, (byte) 0x28}); // not UTF-8
                bytes.write("\", \"responses\": [\"a\"]}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            bytes.write("\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Path items = Files.write(dir.resolve("items.jsonl"), bytes.toByteArray());
        List<String> flags = List.of("--base-url", judge.baseUrl(), "--model", "simulated-judge", "--seed", "7");

        List<String> expected = grmScore(items, dir.resolve("score.jsonl"), flags);
        List<String> rows = sparkJob(items, dir.resolve("spark"), flags);

        assertThat(rows).containsExactlyElementsOf(expected);
        assertThat(rows.get(0)).contains("\"SCORED\"");
        assertThat(rows.get(3)).contains("\"line\":4", "not valid UTF-8");
    }

    @Test
    void a_vote_of_k_samples_gives_the_same_totals_as_grm_score(@TempDir Path dir) throws IOException {
        Path items = Items.write(dir.resolve("items.jsonl"), Items.lines(120, 2));
        List<String> flags = List.of("--base-url", judge.baseUrl(), "--model", "simulated-judge", "--seed", "11",
                "--k", "4", "--adaptive", "off");

        List<String> expected = grmScore(items, dir.resolve("score.jsonl"), flags);
        List<String> rows = sparkJob(items, dir.resolve("spark"), flags);

        assertThat(rows).containsExactlyElementsOf(expected);
        assertThat(rows).filteredOn(line -> line.contains("\"SCORED\""))
                .allSatisfy(line -> assertThat(line).contains("\"k\":4", "\"samples_run\":4", "\"means\":"));
    }

    @Test
    void a_task_whose_judge_refuses_midway_is_retried_and_every_id_is_written_once(@TempDir Path dir)
            throws Exception {
        Path items = Items.write(dir.resolve("items.jsonl"), Items.lines(ITEMS, 1));
        List<String> flags = List.of("--model", "simulated-judge", "--seed", "7", "--concurrency", "16");
        List<String> expected = grmScore(items, dir.resolve("score.jsonl"), with(flags, judge));
        List<String> failures = new CopyOnWriteArrayList<>();
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (!end.taskInfo().successful()) {
                    failures.add(end.reason().toString());
                }
            }
        };
        spark.sparkContext().addSparkListener(listener);
        try {
            List<String> rows = sparkJob(items, dir.resolve("spark"), with(flags, faultyJudge));

            assertThat(rows).containsExactlyElementsOf(expected);
            assertThat(rows).hasSize(ITEMS);
            List<String> ids = rows.stream().map(ScoreJobTest::id).filter(id -> !id.endsWith("null")).toList();
            assertThat(ids).doesNotHaveDuplicates().hasSize(ITEMS - ITEMS / 100);
            awaitUntil(() -> !failures.isEmpty());
            assertThat(failures).isNotEmpty()
                    .allSatisfy(reason -> assertThat(reason).contains("the judge is unreachable", "401"));
            assertThat(faultyJudge.requestCount()).isGreaterThan(ITEMS);
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
    }

    @Test
    void reads_and_writes_parquet_with_the_same_fields_as_the_json_lines(@TempDir Path dir) throws IOException {
        Path items = Items.write(dir.resolve("items.jsonl"), Items.lines(80, 3).stream()
                .filter(line -> line.startsWith("{\"id\"") && !line.contains("broken")).toList()); // rows have no line numbers
        List<String> flags = List.of("--base-url", judge.baseUrl(), "--model", "simulated-judge", "--seed", "7");
        List<String> expected = grmScore(items, dir.resolve("score.jsonl"), flags);
        Path parquetItems = dir.resolve("items.parquet");
        spark.read().json(items.toString()).write().parquet(parquetItems.toString());

        List<String> fromParquet = sparkJob(parquetItems, dir.resolve("from-parquet"), flags);
        run(List.of("--in", items.toString(), "--out", dir.resolve("to-parquet").toString(), "--out-format", "parquet"),
                flags);
        List<Row> toParquet = spark.read().parquet(dir.resolve("to-parquet").toString()).collectAsList();

        assertThat(byId(fromParquet)).isEqualTo(byId(expected));
        assertThat(toParquet).hasSize(expected.size());
        assertThat(toParquet.get(0).schema().fieldNames()).containsExactly(GrmSpark.RESULT_SCHEMA.fieldNames());
        Map<String, String> lines = byId(expected);
        for (Row row : toParquet) {
            assertThat(lines.get(row.<String>getAs("id")))
                    .contains("\"best\":" + row.getAs("best") + ",", "\"outcome\":\"" + row.getAs("outcome") + "\"",
                            "\"scores\":" + row.getList(row.fieldIndex("scores")).toString().replace(" ", ""));
        }
    }

    @Test
    void refuses_an_output_that_exists_and_reports_a_failed_job_in_one_line(@TempDir Path dir) throws IOException {
        Path items = Items.write(dir.resolve("items.jsonl"), Items.lines(20, 3));
        Files.createDirectories(dir.resolve("taken"));

        Result taken = run(List.of("--in", items.toString(), "--out", dir.resolve("taken").toString()),
                with(List.of("--model", "simulated-judge"), judge));
        Result nobody = run(List.of("--in", items.toString(), "--out", dir.resolve("never").toString()),
                List.of("--base-url", "http://127.0.0.1:9/v1", "--model", "simulated-judge"));

        assertThat(taken.code()).isEqualTo(2);
        assertThat(taken.err()).contains("--out: " + dir.resolve("taken") + " already exists");
        assertThat(nobody.code()).isEqualTo(1);
        assertThat(nobody.err()).startsWith("error: the job failed: ")
                .contains("the judge is unreachable", "127.0.0.1:9").doesNotContain("\tat ");
    }

    record Result(int code, String err) {
    }

    private static Result run(List<String> jobArgs, List<String> flags) {
        LocalSpark.session();
        List<String> args = new ArrayList<>(jobArgs);
        args.addAll(flags);
        StringWriter err = new StringWriter();
        picocli.CommandLine command = ScoreJob.commandLine();
        command.setErr(new PrintWriter(err, true));
        return new Result(command.execute(args.toArray(String[]::new)), err.toString());
    }

    private static Map<String, String> byId(List<String> lines) {
        Map<String, String> byId = new TreeMap<>();
        // Parquet ids are strings (the file mixes string and integer ids), so ids are compared as text.
        lines.forEach(line -> byId.put(id(line).replace("\"", "").replace("id:", ""),
                line.substring(line.indexOf(',', line.indexOf("\"id\":")))));
        return byId;
    }

    /** grm score's output lines for {@code items}, run in this JVM as the command line would. */
    static List<String> grmScore(Path items, Path out, List<String> flags) throws IOException {
        List<String> args = new ArrayList<>(List.of("score", "--in", items.toString(), "--out", out.toString()));
        args.addAll(flags);
        StringWriter err = new StringWriter();
        picocli.CommandLine command = GrmCli.commandLine(new GrmCli(name -> null));
        command.setErr(new PrintWriter(err, true));
        int code = command.execute(args.toArray(String[]::new));
        assertThat(code).as("grm score's exit code; stderr: %s", err).isIn(0, 3);
        return Files.readAllLines(out);
    }

    /** The job's output, its part files read in order. */
    static List<String> sparkJob(Path items, Path out, List<String> flags) throws IOException {
        LocalSpark.session(); // the job runs on the session it finds
        List<String> args = new ArrayList<>(List.of("--in", items.toString(), "--out", out.toString()));
        args.addAll(flags);
        Result result = run(args, List.of());
        assertThat(result.code()).as("the job's exit code; stderr: %s", result.err()).isZero();
        List<String> lines = new ArrayList<>();
        for (Path part : partFiles(out)) {
            lines.addAll(Files.readAllLines(part));
        }
        return lines;
    }

    static List<Path> partFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(file -> file.getFileName().toString().startsWith("part-")).sorted().toList();
        }
    }

    private static List<String> with(List<String> flags, SimulatedJudgeServer server) {
        List<String> all = new ArrayList<>(flags);
        all.addAll(List.of("--base-url", server.baseUrl()));
        return all;
    }

    private static String id(String line) {
        int start = line.indexOf("\"id\":");
        return line.substring(start, line.indexOf(',', start));
    }

    private static void awaitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }
}
