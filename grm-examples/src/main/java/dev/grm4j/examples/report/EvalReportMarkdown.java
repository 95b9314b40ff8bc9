package dev.grm4j.examples.report;

import dev.grm4j.core.Principle;
import dev.grm4j.examples.report.EvalReport.Data;
import dev.grm4j.examples.report.EvalReport.Example;
import dev.grm4j.examples.report.EvalReport.Group;
import dev.grm4j.examples.report.EvalReport.Pass;
import dev.grm4j.examples.report.EvalReport.Sample;
import dev.grm4j.examples.report.EvalReport.Series;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders {@link EvalReport.Data} as Markdown: the same figures as the HTML page, the chart as a table.
 * Text from the data is kept out of Markdown's way: table cells escape pipes and HTML and fold newlines;
 * free text goes into fences longer than any run of backticks it contains.
 */
final class EvalReportMarkdown {

    private EvalReportMarkdown() {
    }

    static String render(Data data) {
        StringBuilder md = new StringBuilder(8_192);
        Pass main = data.main();
        md.append("# ").append(inline(data.title())).append("\n\n").append(main.items()).append(" items");
        EvalReport.setting(data, "model").ifPresent(m -> md.append(" · model ").append(inline(m)));
        EvalReport.setting(data, "backend").ifPresent(b -> md.append(" · backend ").append(inline(b)));
        if (EvalReport.simulated(data)) {
            md.append("\n\n> **Simulated judge.** These scores come from grm4j's simulated judge, not from a language "
                    + "model: the figures test the voting machinery, and say nothing of any model's accuracy.");
        }
        md.append("\n\n## Accuracy vs k\n\n");

        List<Series> series = EvalReport.series(data);
        List<String> header = new ArrayList<>(List.of("k"));
        series.forEach(s -> header.add(s.name()));
        List<List<String>> rows = new ArrayList<>();
        for (int k : EvalReport.chartKs(data)) {
            List<String> row = new ArrayList<>(List.of(Integer.toString(k)));
            series.forEach(s -> row.add(EvalReport.percent(s.points().get(k))));
            rows.add(row);
        }
        table(md, header, rows);
        md.append("\nShare of items whose voted best is the true best; failed votes count as wrong.\n\n");

        List<String> columns = EvalReport.columns(main);
        List<String> accuracyHeader = new ArrayList<>(List.of("", "items"));
        columns.forEach(c -> accuracyHeader.add(EvalReport.columnTitle(c)));
        List<List<String>> accuracyRows = new ArrayList<>();
        for (Pass pass : data.passes()) {
            List<String> row = new ArrayList<>(List.of(data.passes().size() > 1 ? pass.label() : "overall",
                    Integer.toString(pass.items())));
            columns.forEach(c -> row.add(EvalReport.percent(pass.accuracy().get(c))));
            accuracyRows.add(row);
        }
        for (Pass pass : data.passes()) {
            if (pass.failed().isEmpty()) {
                continue;
            }
            List<String> row = new ArrayList<>(List.of(
                    "failed votes" + (data.passes().size() > 1 ? " (" + pass.label() + ")" : ""), ""));
            columns.forEach(c -> row.add(pass.failed().containsKey(c) ? pass.failed().get(c).toString() : "–"));
            accuracyRows.add(row);
        }
        table(md, accuracyHeader, accuracyRows);

        md.append("\n## Accuracy by subset\n\n");
        for (Pass pass : data.passes()) {
            groups(md, data, pass, pass.subsets(), "subset");
        }
        md.append("## Position bias\n\nAccuracy by where the true best response stands in the file (the judge "
                + "sees it there when responses are not shuffled).\n\n");
        for (Pass pass : data.passes()) {
            groups(md, data, pass, pass.positions(), "best is response");
        }

        if (!data.examples().isEmpty()) {
            md.append("## Example judgements\n\n");
            data.examples().forEach(example -> example(md, example));
        }

        md.append("## Reproducibility\n\n");
        List<List<String>> settings = new ArrayList<>();
        data.settings().forEach((name, value) -> settings.add(List.of(name, value)));
        table(md, List.of("setting", "value"), settings);
        for (String record : data.records()) {
            md.append('\n');
            fenced(md, "json", EvalReport.prettyJson(record));
        }
        return md.toString();
    }

    private static void groups(StringBuilder md, Data data, Pass pass, List<Group> groups, String heading) {
        if (data.passes().size() > 1) {
            md.append("### ").append(inline(pass.label())).append("\n\n");
        }
        List<String> columns = EvalReport.columns(pass);
        List<String> header = new ArrayList<>(List.of(heading, "items"));
        columns.forEach(c -> header.add(EvalReport.columnTitle(c)));
        List<List<String>> rows = new ArrayList<>();
        for (Group group : groups) {
            List<String> row = new ArrayList<>(List.of(group.label(), Integer.toString(group.items())));
            columns.forEach(c -> row.add(EvalReport.percent(group.accuracy().get(c))));
            rows.add(row);
        }
        table(md, header, rows);
        md.append('\n');
    }

    private static void example(StringBuilder md, Example example) {
        String verdict = example.best() < 0 ? "vote failed" : example.best() == example.truth() ? "right" : "wrong";
        md.append("### ").append(inline(example.id())).append(" (").append(inline(example.subset())).append(", ")
                .append(verdict).append(")\n\nPrompt:\n\n");
        fenced(md, "text", EvalReport.excerpt(example.prompt(), EvalReport.PROMPT_CHARS));
        for (int i = 0; i < example.responses().size(); i++) {
            md.append("\nResponse ").append(i + 1);
            if (i < example.totals().size()) {
                md.append(", total ").append(example.totals().get(i));
            }
            if (i == example.truth()) {
                md.append(", true best");
            }
            if (i == example.best()) {
                md.append(", voted best");
            }
            md.append(":\n\n");
            fenced(md, "text", EvalReport.excerpt(example.responses().get(i), EvalReport.RESPONSE_CHARS));
        }
        for (int s = 0; s < example.samples().size(); s++) {
            Sample sample = example.samples().get(s);
            md.append("\nSample ").append(s + 1);
            if (sample.failure() != null) {
                md.append(": failed, ").append(inline(sample.failure())).append('\n');
                continue;
            }
            md.append(": scores ").append(String.join(", ", sample.scores().stream().map(String::valueOf).toList()))
                    .append(" (in the file's order)");
            if (!sample.shownAs().isEmpty()) {
                md.append("; its critique's names: ").append(sample.shownAs());
            }
            md.append("\n\n");
            for (Principle principle : sample.principles()) {
                md.append("- ").append(inline(principle.text())).append(" (weight ")
                        .append(EvalReportHtml.weight(principle.weight())).append(")\n");
            }
            md.append('\n');
            fenced(md, "text", EvalReport.excerpt(sample.critique(), EvalReport.CRITIQUE_CHARS));
        }
        md.append('\n');
    }

    /** A table; columns after the first are right-aligned (they hold numbers). */
    private static void table(StringBuilder md, List<String> header, List<List<String>> rows) {
        md.append('|');
        header.forEach(h -> md.append(' ').append(cell(h)).append(" |"));
        md.append("\n|");
        for (int i = 0; i < header.size(); i++) {
            md.append(i == 0 ? " --- |" : " ---: |");
        }
        md.append('\n');
        for (List<String> row : rows) {
            md.append('|');
            row.forEach(c -> md.append(' ').append(cell(c)).append(" |"));
            md.append('\n');
        }
    }

    private static void fenced(StringBuilder md, String info, String text) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < text.length(); i++) {
            run = text.charAt(i) == '`' ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        String fence = "`".repeat(Math.max(3, longest + 1));
        md.append(fence).append(info).append('\n').append(text);
        if (!text.endsWith("\n")) {
            md.append('\n');
        }
        md.append(fence).append('\n');
    }

    /** Text in a table cell: pipes and HTML escaped, newlines folded. */
    static String cell(String text) {
        return inline(text).replace("|", "\\|");
    }

    /** Text inline in a line of Markdown: HTML escaped, newlines folded. */
    static String inline(String text) {
        return EvalReportHtml.esc(text.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' '));
    }
}
