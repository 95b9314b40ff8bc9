package dev.grm4j.examples.report;

import dev.grm4j.core.Judgement;
import dev.grm4j.core.Principle;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.examples.report.EvalReport.Data;
import dev.grm4j.examples.report.EvalReport.Example;
import dev.grm4j.examples.report.EvalReport.Group;
import dev.grm4j.examples.report.EvalReport.Pass;
import dev.grm4j.examples.report.EvalReport.Sample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EvalReportTest {

    static final String SCRIPT = "<script>alert('x')</script>";

    @TempDir
    Path dir;

    /** A report of a simulated run: two passes (shuffle on and off), voting and meta lines, one example. */
    static Data sample() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("backend", "simulated");
        settings.put("model", "simulated-grm");
        settings.put("template version", "grm-pointwise-v1");
        settings.put("seed", "42");
        settings.put("k", "1,4,8,32");
        settings.put("sim accuracy", "0.65");
        settings.put("sim position bias", "0.1");
        settings.put("input", "rewardbench-pairs.jsonl");

        Pass on = new Pass("shuffle on", 160,
                columns(0.62, 0.71, 0.76, 0.81, 0.79, 0.86),
                Map.of("1", 2, "4", 1, "8", 0, "32", 0),
                List.of(new Group("RewardBench/chat", 80, columns(0.66, 0.74, 0.79, 0.85, 0.82, 0.89)),
                        new Group("RewardBench/math", 80, columns(0.58, 0.68, 0.73, 0.77, 0.76, 0.83)),
                        new Group("a|b <i>odd</i>", 0, columns(Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                                Double.NaN, Double.NaN))),
                List.of(new Group("1", 80, columns(0.64, 0.72, 0.77, 0.82, 0.80, 0.87)),
                        new Group("2", 80, columns(0.60, 0.70, 0.75, 0.80, 0.78, 0.85))));
        Pass off = new Pass("shuffle off", 160,
                columns(0.60, 0.66, 0.68, 0.70, 0.72, 0.75),
                Map.of("1", 0, "4", 0, "8", 0, "32", 0),
                List.of(new Group("RewardBench/chat", 80, columns(0.61, 0.67, 0.69, 0.71, 0.73, 0.76)),
                        new Group("RewardBench/math", 80, columns(0.59, 0.65, 0.67, 0.69, 0.71, 0.74))),
                List.of(new Group("1", 80, columns(0.81, 0.90, 0.94, 0.97, 0.95, 0.97)),
                        new Group("2", 80, columns(0.39, 0.42, 0.42, 0.43, 0.49, 0.53))));

        Sample first = new Sample(
                List.of(new Principle("Correctness: the answer states 12 and shows why", 0.5),
                        new Principle("Safety: no executable content is echoed", 0.2),
                        new Principle("Clarity", 0.3)),
                "Response 1 computes 3 * 4 = 12 correctly and explains the step.\n"
                        + "Response 2 answers with a script tag instead of a number.",
                List.of(9, 2), null, List.of(1, 0));
        Sample second = new Sample(List.of(), "", List.of(), "UNPARSEABLE: expected 2 scores, found 1");
        Example example = new Example("rb-0042", "RewardBench/math", "What is 3 * 4? Answer with a number.",
                List.of("3 * 4 = 12, since three fours make twelve.", "Sure! " + SCRIPT),
                List.of(first, second), List.of(71, 18), 0, 0);

        String record = "{\"templateVersion\":\"grm-pointwise-v1\",\"model\":\"simulated-grm\",\"temperature\":0.5,"
                + "\"maxOutputTokens\":1024,\"votingSeed\":42,\"requestSeed\":-811,\"k\":8,\"quorum\":5,"
                + "\"shuffle\":true,\"adaptive\":\"none\",\"status\":\"VOTED\",\"failure\":null,"
                + "\"totals\":[71,18],\"best\":0,\"tieBroken\":false,\"samples\":[{\"index\":0,\"order\":[1,0],"
                + "\"samplingSeed\":7,\"outcome\":\"SCORED\",\"failure\":null,\"scores\":[9,2],\"inputTokens\":310,"
                + "\"outputTokens\":120,\"latencyMs\":3}]}";
        return new Data("grm eval: rewardbench-pairs.jsonl", settings, List.of(on, off), List.of(example),
                List.of(record));
    }

    /** Accuracy for Voting@1,4,8,32 then MetaRM@8,32. */
    private static Map<String, Double> columns(double v1, double v4, double v8, double v32, double m8, double m32) {
        Map<String, Double> map = new LinkedHashMap<>();
        // Deliberately out of display order: the report sorts.
        map.put("meta@32", m32);
        map.put("32", v32);
        map.put("meta@8", m8);
        map.put("1", v1);
        map.put("4", v4);
        map.put("8", v8);
        return map;
    }

    @Test
    void writes_an_html_page_and_a_markdown_file_into_the_directory() throws IOException {
        Path out = dir.resolve("nested/report");

        EvalReport.write(out, sample());

        assertThat(out.resolve("report.html")).isRegularFile();
        assertThat(out.resolve("report.md")).isRegularFile();
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("report.html",
                    "report.md");
        }
    }

    @Test
    void the_page_is_self_contained_and_the_chart_comes_first() {
        String html = EvalReportHtml.render(sample());

        assertThat(html).startsWith("<!DOCTYPE html>").contains("<style>").contains("<svg")
                .doesNotContain("<script").doesNotContain("<link").doesNotContain("src=")
                .doesNotContainPattern("https?://(?!www\\.w3\\.org/2000/svg)");
        assertThat(html.indexOf("<svg")).isLessThan(html.indexOf("<table"));
    }

    @Test
    void the_page_shows_every_figure() {
        String html = EvalReportHtml.render(sample());

        assertThat(html)
                .contains("Voting@1", "Voting@4", "Voting@8", "Voting@32", "MetaRM@8", "MetaRM@32")
                .contains(">62.0%<", ">81.0%<", ">86.0%<", ">70.0%<")       // overall, both passes
                .contains("RewardBench/chat", "RewardBench/math", ">77.0%<")  // subsets
                .contains("best is response", ">97.0%<", ">43.0%<")           // positions, shuffle off
                .contains("failed votes")
                .contains("Correctness: the answer states 12 and shows why", "(weight 0.5)")
                .contains("Response 1 computes 3 * 4 = 12", "UNPARSEABLE: expected 2 scores, found 1")
                .contains("true best", "voted best", "total 71")
                .contains("template version", "grm-pointwise-v1", "sim position bias")
                .contains("&quot;requestSeed&quot;: -811,\n")
                .contains("    {&quot;index&quot;:0,&quot;order&quot;:[1,0],&quot;samplingSeed&quot;:7,");
    }

    @Test
    void columns_are_shown_voting_first_then_meta_each_by_ascending_k() {
        String html = EvalReportHtml.render(sample());

        String header = html.substring(html.indexOf("<table class=\"accuracy\">"));
        header = header.substring(0, header.indexOf("</thead>"));
        assertThat(header).containsSubsequence("Voting@1", "Voting@4", "Voting@8", "Voting@32", "MetaRM@8",
                "MetaRM@32");
    }

    @Test
    void text_from_the_data_is_escaped() {
        String html = EvalReportHtml.render(sample());
        String md = EvalReportMarkdown.render(sample());

        assertThat(html).doesNotContain(SCRIPT).contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
                .doesNotContain("<i>odd</i>").contains("a|b &lt;i&gt;odd&lt;/i&gt;");
        assertThat(md).doesNotContain("| a|b").contains("a\\|b &lt;i&gt;odd&lt;/i&gt;");
    }

    @Test
    void the_chart_has_one_polyline_per_series_with_one_point_per_k() {
        String svg = EvalReportHtml.chart(sample());

        // Voting and MetaRM of each pass.
        List<String> polylines = all(svg, "<polyline [^>]*points=\"([^\"]*)\"");
        assertThat(polylines).hasSize(4);
        assertThat(polylines.stream().map(p -> p.split(" ").length)).containsExactly(4, 2, 4, 2);
        assertThat(all(svg, "<circle ")).hasSize(12);
        assertThat(svg).contains(">Voting@k (shuffle on)<", ">MetaRM@k (shuffle on)<",
                ">Voting@k (shuffle off)<", ">MetaRM@k (shuffle off)<", "log scale");
        // x ticks at each k.
        assertThat(svg).contains(">1</text>", ">4</text>", ">8</text>", ">32</text>");
    }

    @Test
    void the_x_axis_is_log2_k() {
        String svg = EvalReportHtml.chart(sample());

        String[] voting = all(svg, "<polyline [^>]*points=\"([^\"]*)\"").get(0).split(" ");
        double x1 = Double.parseDouble(voting[0].split(",")[0]);
        double x4 = Double.parseDouble(voting[1].split(",")[0]);
        double x8 = Double.parseDouble(voting[2].split(",")[0]);
        double x32 = Double.parseDouble(voting[3].split(",")[0]);
        // 1 -> 4 is two doublings, 4 -> 8 one, 8 -> 32 two.
        assertThat(x4 - x1).isCloseTo(2 * (x8 - x4), org.assertj.core.data.Offset.offset(0.2));
        assertThat(x32 - x8).isCloseTo(2 * (x8 - x4), org.assertj.core.data.Offset.offset(0.2));
    }

    @Test
    void a_report_without_meta_has_one_line_and_a_single_k_still_plots() {
        Pass pass = new Pass("shuffle on", 10, Map.of("8", 0.7), Map.of("8", 0), List.of(), List.of());
        Data data = new Data("t", Map.of(), List.of(pass), List.of(), List.of());

        String svg = EvalReportHtml.chart(data);

        assertThat(all(svg, "<polyline ")).hasSize(1);
        assertThat(all(svg, "<circle ")).hasSize(1);
        assertThat(svg).contains(">Voting@k<").doesNotContain("MetaRM").doesNotContain("NaN");
        assertThat(EvalReportHtml.render(data)).contains("No rows.");
    }

    @Test
    void nan_accuracies_are_shown_as_a_dash_and_left_off_the_chart() {
        Pass pass = new Pass("p", 0, Map.of("1", Double.NaN, "4", 0.5), Map.of(), List.of(), List.of());
        Data data = new Data("t", Map.of(), List.of(pass), List.of(), List.of());

        assertThat(all(EvalReportHtml.chart(data), "<circle ")).hasSize(1);
        assertThat(EvalReportMarkdown.render(data)).contains("| overall | 0 | – | 50.0% |");
    }

    @Test
    void the_markdown_has_the_same_figures_and_the_chart_as_a_table() {
        String md = EvalReportMarkdown.render(sample());

        assertThat(md)
                .contains("## Accuracy vs k")
                .contains("| k | Voting@k (shuffle on) | MetaRM@k (shuffle on) | Voting@k (shuffle off) "
                        + "| MetaRM@k (shuffle off) |")
                .contains("| 1 | 62.0% | – | 60.0% | – |")
                .contains("| 8 | 76.0% | 79.0% | 68.0% | 72.0% |")
                .contains("| 32 | 81.0% | 86.0% | 70.0% | 75.0% |")
                .contains("| shuffle on | 160 | 62.0% | 71.0% | 76.0% | 81.0% | 79.0% | 86.0% |")
                .contains("| failed votes (shuffle on) |  | 2 | 1 | 0 | 0 | – | – |")
                .contains("| RewardBench/math | 80 | 58.0% |")
                .contains("| 2 | 80 | 39.0% | 42.0% |")
                .contains("- Correctness: the answer states 12 and shows why (weight 0.5)")
                .contains("| template version | grm-pointwise-v1 |")
                .contains("```json\n{\n  \"templateVersion\": \"grm-pointwise-v1\",\n")
                .contains("  \"samples\": [\n    {\"index\":0,");
        assertThat(md.indexOf("## Accuracy vs k")).isLessThan(md.indexOf("## Accuracy by subset"));
    }

    @Test
    void free_text_cannot_close_its_markdown_fence() {
        Example example = new Example("x", "s", "```\n# not a heading", List.of("a"), List.of(), List.of(), -1, 0);
        Pass pass = new Pass("p", 1, Map.of("1", 1.0), Map.of(), List.of(), List.of());

        String md = EvalReportMarkdown.render(new Data("t", Map.of(), List.of(pass), List.of(example), List.of()));

        assertThat(md).contains("````text\n```\n# not a heading\n````\n").contains("(s, vote failed)");
    }

    @Test
    void a_record_that_is_not_a_json_object_is_shown_as_given() {
        assertThat(EvalReport.prettyJson("not json {")).isEqualTo("not json {");
        assertThat(EvalReport.prettyJson("[1,2]")).isEqualTo("[1,2]");
    }

    @Test
    void long_texts_are_cut_to_an_excerpt_that_says_how_long_they_were() {
        assertThat(EvalReport.excerpt("x".repeat(700), 600)).endsWith("x\u2026 [700 chars]").hasSize(600 + 13);
        assertThat(EvalReport.excerpt("short", 600)).isEqualTo("short");
    }

    @Test
    void each_sample_says_which_response_its_critique_calls_response_1_and_totals_are_explained() {
        String html = EvalReportHtml.render(sample());
        String md = EvalReportMarkdown.render(sample());

        // The first sample saw the file's second response first: its "Response 1" is #2.
        assertThat(html).contains("its critique's names: Response 1 is #2, Response 2 is #1")
                .contains("A total is the sum of a response's scores over the valid samples");
        assertThat(md).contains("its critique's names: Response 1 is #2, Response 2 is #1");
    }

    @Test
    void a_simulated_judges_report_says_so_at_the_top_and_folds_its_vote_records() {
        String html = EvalReportHtml.render(sample());

        assertThat(html).contains("<p class=\"banner\"><strong>Simulated judge.</strong>");
        assertThat(html.indexOf("Simulated judge.")).isLessThan(html.indexOf("<h2>"));
        assertThat(html).containsPattern("<details><summary>\\d+ vote records?</summary>");
        assertThat(EvalReportMarkdown.render(sample())).contains("> **Simulated judge.**");
    }

    @Test
    void a_sample_is_taken_from_a_judgement() {
        Judgement scored = Judgement.scored(List.of(new Principle("Accuracy", 1.0)), "fine", List.of(7, 3),
                "raw", List.of(1, 0), TokenUsage.ZERO, Duration.ZERO);
        Judgement failed = Judgement.unparseable("no scores", "raw", List.of(0, 1), TokenUsage.ZERO, Duration.ZERO);

        assertThat(Sample.of(scored)).isEqualTo(new Sample(List.of(new Principle("Accuracy", 1.0)), "fine",
                List.of(7, 3), null, List.of(1, 0)));
        assertThat(Sample.of(failed).failure()).isEqualTo("UNPARSEABLE: no scores");
    }

    @Test
    void bad_column_keys_and_missing_passes_are_rejected() {
        assertThatThrownBy(() -> new Pass("p", 1, Map.of("meta@x", 0.5), Map.of(), List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("column key must be K or meta@K with K >= 1, was 'meta@x'");
        assertThatThrownBy(() -> new Data("t", Map.of(), List.of(), List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("passes must not be empty");
        assertThatThrownBy(() -> new Data(null, Map.of(), List.of(), List.of(), List.of()))
                .isInstanceOf(NullPointerException.class).hasMessage("title");
    }

    private static List<String> all(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        List<String> found = new java.util.ArrayList<>();
        while (matcher.find()) {
            found.add(matcher.groupCount() > 0 ? matcher.group(1) : matcher.group());
        }
        return found;
    }
}
