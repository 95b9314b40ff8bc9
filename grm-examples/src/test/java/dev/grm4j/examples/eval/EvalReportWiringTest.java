package dev.grm4j.examples.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.examples.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code grm eval --report DIR}: the command line wired to the report writer. */
class EvalReportWiringTest {


    @TempDir
    Path dir;

    @Test
    void report_holds_the_figures_of_the_last_line_the_first_examples_and_their_vote_records() throws IOException {
        // given: 8 items, so every accuracy is a multiple of 1/8 and prints exactly
        Path in = benchmark("small.jsonl", 8);
        Path report = dir.resolve("out/report");

        // when
        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--sim-accuracy", "0.6",
                "--k", "1,4", "--seed", "7", "--report", report.toString());

        // then
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.err()).contains("report: " + report.resolve("report.html"));
        JsonNode last = lastLine(run);
        assertThat(fieldNames(last)).containsExactly("accuracy", "items", "samples_per_item");
        assertThat(fieldNames(last.get("accuracy"))).containsExactly("1", "4");
        String html = Files.readString(report.resolve("report.html"), StandardCharsets.UTF_8);
        String md = Files.readString(report.resolve("report.md"), StandardCharsets.UTF_8);
        for (String text : List.of(html, md)) {
            last.get("accuracy").forEach(value -> assertThat(text).contains(percent(value.asDouble())));
            assertThat(text).contains("item-0", "item-1", "item-2").doesNotContain("item-3\"", "item-7\"");
            assertThat(text).contains("templateVersion", "Bench/math", "Bench/chat", "Voting@4");
            assertThat(text).contains("small.jsonl", "simulated", "0.6");
            assertThat(text).doesNotContain("MetaRM@");
        }
        assertThat(html).contains("<svg", "data-series=\"Voting@k\"").doesNotContain("data-series=\"MetaRM@k\"");
        assertThat(Files.list(report).map(p -> p.getFileName().toString()).toList())
                .containsExactlyInAnyOrder("report.html", "report.md");
    }

    @Test
    void the_last_line_is_the_same_with_and_without_a_report() {
        Path in = benchmark("small.jsonl", 8);

        CliRun plain = grm("eval", "--in", in.toString(), "--backend", "simulated", "--k", "1,4", "--concurrency", "1");
        CliRun reported = grm("eval", "--in", in.toString(), "--backend", "simulated", "--k", "1,4",
                "--concurrency", "1", "--report", dir.resolve("r").toString());

        assertThat(reported.exitCode()).as(reported.toString()).isZero();
        assertThat(lastLineText(reported)).isEqualTo(lastLineText(plain));
        assertThat(reported.out()).doesNotContain("report:");
    }

    @Test
    void with_meta_the_report_draws_a_metarm_line_beside_voting() throws IOException {
        // given: a meta RM trained on recorded samples of the first half, as EvalMetaRmTest does
        Path in = benchmark("pairs.jsonl", 80);
        Path record = dir.resolve("train.jsonl");
        Path model = dir.resolve("meta.json");
        CliRun recorded = grm("eval", "--in", in.toString(), "--backend", "simulated", "--sim-accuracy", "0.65",
                "--sim-careless-rate", "0.4", "--k", "8", "--limit", "40", "--record", record.toString());
        assertThat(recorded.exitCode()).as(recorded.toString()).isZero();
        CliRun trained = grm("train-metarm", "--in", record.toString(), "--out", model.toString(), "--seed", "1");
        assertThat(trained.exitCode()).as(trained.toString()).isZero();
        Path report = dir.resolve("meta-report");

        // when
        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--sim-accuracy", "0.65",
                "--sim-careless-rate", "0.4", "--k", "1,4", "--offset", "40", "--meta", model.toString(),
                "--report", report.toString());

        // then
        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode accuracy = lastLine(run).get("accuracy");
        assertThat(fieldNames(accuracy)).containsExactly("1", "meta@1", "4", "meta@4");
        String html = Files.readString(report.resolve("report.html"), StandardCharsets.UTF_8);
        String md = Files.readString(report.resolve("report.md"), StandardCharsets.UTF_8);
        assertThat(html).contains("data-series=\"MetaRM@k\"", "data-series=\"Voting@k\"", "MetaRM@4",
                model.toString());
        assertThat(md).contains("MetaRM@4", "item-40", "item-41", "item-42");
        for (String text : List.of(html, md)) {
            accuracy.forEach(value -> assertThat(text).contains(percent(value.asDouble())));
        }
    }

    @Test
    void shuffle_both_reports_both_passes() throws IOException {
        Path in = benchmark("small.jsonl", 8);
        Path report = dir.resolve("both");

        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--k", "1,4",
                "--shuffle", "both", "--sim-position-bias", "0.3", "--report", report.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        String html = Files.readString(report.resolve("report.html"), StandardCharsets.UTF_8);
        assertThat(html).contains("shuffle balanced", "shuffle off");
        lastLine(run).get("accuracy_no_shuffle")
                .forEach(value -> assertThat(html).contains(percent(value.asDouble())));
    }

    @Test
    void a_report_path_that_is_a_file_is_a_usage_error() throws IOException {
        Path in = benchmark("small.jsonl", 2);
        Path file = Files.writeString(dir.resolve("taken"), "x");

        CliRun onFile = grm("eval", "--in", in.toString(), "--backend", "simulated", "--report", file.toString());
        CliRun underFile = grm("eval", "--in", in.toString(), "--backend", "simulated",
                "--report", file.resolve("sub").toString());

        assertThat(onFile.exitCode()).isEqualTo(2);
        assertThat(onFile.err()).contains("--report: not a directory");
        assertThat(underFile.exitCode()).isEqualTo(2);
        assertThat(underFile.err()).contains("--report: cannot create", "is not a directory");
        assertThat(onFile.out()).isEmpty();
    }

    @Test
    void a_report_that_cannot_be_written_fails_the_run_after_the_figures_are_printed() throws IOException {
        // given: report.html is taken by a non-empty directory, so moving the page into place fails
        Path in = benchmark("small.jsonl", 4);
        Path report = dir.resolve("blocked");
        Files.createDirectories(report.resolve("report.html"));
        Files.writeString(report.resolve("report.html/keep"), "x");

        CliRun run = grm("eval", "--in", in.toString(), "--backend", "simulated", "--k", "1",
                "--report", report.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.err()).contains("error: --report: cannot write " + report)
                .doesNotContainPattern("(?m)^report: ");
        assertThat(fieldNames(lastLine(run))).containsExactly("accuracy", "items", "samples_per_item");
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * fraction);
    }

    private Path benchmark(String name, int count) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            lines.add(EvalMetaRmTest.item(i, (i / 2) % 2));
        }
        try {
            return Files.write(dir.resolve(name), lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String lastLineText(CliRun run) {
        String[] lines = run.out().strip().split("\n");
        return lines[lines.length - 1];
    }

    private static JsonNode lastLine(CliRun run) {
        return CliRun.parse(lastLineText(run));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            names.add(fields.next().getKey());
        }
        return names;
    }
}
