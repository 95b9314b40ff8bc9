package dev.grm4j.examples.report;

import dev.grm4j.core.Principle;
import dev.grm4j.core.internal.Html;
import dev.grm4j.examples.report.EvalReport.Data;
import dev.grm4j.examples.report.EvalReport.Example;
import dev.grm4j.examples.report.EvalReport.Group;
import dev.grm4j.examples.report.EvalReport.Pass;
import dev.grm4j.examples.report.EvalReport.Sample;
import dev.grm4j.examples.report.EvalReport.Series;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders {@link EvalReport.Data} as one self-contained HTML page: inline CSS, inline SVG, no script. */
final class EvalReportHtml {

    /** Chart geometry, in SVG user units (the SVG scales to the page width). */
    static final int WIDTH = 760;
    static final int HEIGHT = 370;
    private static final int LEFT = 58;
    private static final int RIGHT = 84;
    private static final int TOP = 62;
    private static final int LEGEND_Y = 14;
    private static final int LEGEND_COLUMN = 240;
    private static final int BOTTOM = 52;

    private static final String VOTING_COLOUR = "#2563eb";
    private static final String META_COLOUR = "#ea580c";

    private static final String CSS = Html.PAGE_CSS + """
            .figure { border: 1px solid var(--rule); border-radius: 8px; padding: 12px 12px 4px; background:#fff; }
            .figure svg { width: 100%; height: auto; display: block; }
            .caption { color: var(--muted); font-size: 13px; margin: 6px 2px 8px; }
            td.bar { background-repeat: no-repeat; background-size: calc(var(--w) - 12px) 3px;
              background-position: 12px calc(100% - 3px); background-image: linear-gradient(#93c5fd, #93c5fd); }
            tr.total td { font-weight: 600; }
            p.banner { background: #fef3c7; border: 1px solid #f59e0b; border-radius: 8px; padding: 10px 14px; }
            dl.settings { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 8px 0; }
            dl.settings dt { color: var(--muted); } dl.settings dd { margin: 0; font-variant-numeric: tabular-nums; }
            """ + Html.CARD_CSS + Html.JSON_CSS;

    private EvalReportHtml() {
    }

    static String render(Data data) {
        StringBuilder html = new StringBuilder(16_384);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(esc(data.title())).append("</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n<main>\n");
        Pass main = data.main();
        html.append("<h1>").append(esc(data.title())).append("</h1>\n<p class=\"sub\">")
                .append(main.items()).append(" items");
        EvalReport.setting(data, "model").ifPresent(m -> html.append(" \u00b7 model ").append(esc(m)));
        EvalReport.setting(data, "backend").ifPresent(b -> html.append(" \u00b7 backend ").append(esc(b)));
        html.append("</p>\n");
        if (EvalReport.simulated(data)) {
            html.append("<p class=\"banner\"><strong>Simulated judge.</strong> These scores come from grm4j's "
                    + "simulated judge, not from a language model: the figures test the voting machinery, and say "
                    + "nothing of any model's accuracy.</p>\n");
        }

        html.append("<h2>Accuracy vs k</h2>\n<div class=\"figure\">\n").append(chart(data))
                .append("<p class=\"caption\">Share of items whose voted best is the true best; failed votes count "
                        + "as wrong. The x axis is log\u2082 k.</p>\n</div>\n");
        accuracyTable(html, data);

        html.append("<h2>Accuracy by subset</h2>\n");
        for (Pass pass : data.passes()) {
            if (data.passes().size() > 1) {
                html.append("<h3>").append(esc(pass.label())).append("</h3>\n");
            }
            groupTable(html, pass, pass.subsets(), "subset");
        }

        html.append("<h2>Position bias</h2>\n<p class=\"caption\">Accuracy by where the true best response "
                + "stands in the file (the judge sees it there when responses are not shuffled). An unbiased "
                + "judge scores the same in every row.</p>\n");
        for (Pass pass : data.passes()) {
            if (data.passes().size() > 1) {
                html.append("<h3>").append(esc(pass.label())).append("</h3>\n");
            }
            groupTable(html, pass, pass.positions(), "best is response");
        }

        if (!data.examples().isEmpty()) {
            html.append("<h2>Example judgements</h2>\n<div class=\"cards\">\n");
            data.examples().forEach(example -> example(html, example));
            html.append("</div>\n");
        }

        html.append("<h2>Reproducibility</h2>\n<dl class=\"settings\">\n");
        data.settings().forEach((name, value) -> html.append("<dt>").append(esc(name)).append("</dt><dd>")
                .append(esc(value)).append("</dd>\n"));
        html.append("</dl>\n");
        if (!data.records().isEmpty()) {
            html.append("<p class=\"caption\">Vote records: with the item itself, enough to rerun a vote and "
                    + "compare, sample by sample.</p>\n");
        }
        if (!data.records().isEmpty()) {
            // Long, and read only to rerun a vote: folded away until asked for.
            html.append("<details><summary>").append(data.records().size())
                    .append(data.records().size() == 1 ? " vote record" : " vote records").append("</summary>\n");
            for (String record : data.records()) {
                html.append("<pre class=\"json\">").append(esc(EvalReport.prettyJson(record))).append("</pre>\n");
            }
            html.append("</details>\n");
        }
        html.append("</main>\n</body>\n</html>\n");
        return html.toString();
    }

    private static void accuracyTable(StringBuilder html, Data data) {
        List<String> columns = EvalReport.columns(data.main());
        html.append("<table class=\"accuracy\">\n<thead><tr><th></th><th class=\"num\">items</th>");
        columns.forEach(c -> html.append("<th class=\"num\">").append(esc(EvalReport.columnTitle(c))).append("</th>"));
        html.append("</tr></thead>\n<tbody>\n");
        for (Pass pass : data.passes()) {
            html.append("<tr class=\"total\"><td>").append(esc(data.passes().size() > 1 ? pass.label() : "overall"))
                    .append("</td><td class=\"num\">").append(pass.items()).append("</td>");
            columns.forEach(c -> html.append(numberCell(pass.accuracy().get(c))));
            html.append("</tr>\n");
        }
        for (Pass pass : data.passes()) {
            if (pass.failed().isEmpty()) {
                continue;
            }
            html.append("<tr><td class=\"muted\">failed votes")
                    .append(esc(data.passes().size() > 1 ? " (" + pass.label() + ")" : ""))
                    .append("</td><td></td>");
            columns.forEach(c -> {
                Integer count = pass.failed().get(c);
                html.append("<td class=\"num muted\">").append(count == null ? "\u2013" : count).append("</td>");
            });
            html.append("</tr>\n");
        }
        html.append("</tbody>\n</table>\n");
    }

    private static void groupTable(StringBuilder html, Pass pass, List<Group> groups, String heading) {
        if (groups.isEmpty()) {
            html.append("<p class=\"muted\">No rows.</p>\n");
            return;
        }
        List<String> columns = EvalReport.columns(pass);
        html.append("<table>\n<thead><tr><th>").append(esc(heading)).append("</th><th class=\"num\">items</th>");
        columns.forEach(c -> html.append("<th class=\"num\">").append(esc(EvalReport.columnTitle(c))).append("</th>"));
        html.append("</tr></thead>\n<tbody>\n");
        for (Group group : groups) {
            html.append("<tr><td>").append(esc(group.label())).append("</td><td class=\"num\">")
                    .append(group.items()).append("</td>");
            columns.forEach(c -> html.append(numberCell(group.accuracy().get(c))));
            html.append("</tr>\n");
        }
        html.append("</tbody>\n</table>\n");
    }

    /** A right-aligned percentage with a thin bar under it, as long as the accuracy is high. */
    private static String numberCell(Double value) {
        if (value == null || value.isNaN()) {
            return "<td class=\"num\">\u2013</td>";
        }
        double clamped = Math.max(0, Math.min(1, value));
        return String.format(Locale.ROOT, "<td class=\"num bar\" style=\"--w:%.1f%%\">%s</td>", 100 * clamped,
                esc(EvalReport.percent(value)));
    }

    private static void example(StringBuilder html, Example example) {
        html.append("<div class=\"card\">\n<h3>").append(esc(example.id()))
                .append(" <span class=\"muted\">").append(esc(example.subset())).append("</span>");
        if (example.best() < 0) {
            html.append("<span class=\"badge wrong\">vote failed</span>");
        } else if (example.best() == example.truth()) {
            html.append("<span class=\"badge truth\">right</span>");
        } else {
            html.append("<span class=\"badge wrong\">wrong</span>");
        }
        html.append("</h3>\n<div class=\"muted\">Prompt</div>\n<div class=\"text\">")
                .append(esc(EvalReport.excerpt(example.prompt(), EvalReport.PROMPT_CHARS))).append("</div>\n");
        html.append("<div class=\"muted\">Responses</div>\n<ol class=\"responses\">\n");
        for (int i = 0; i < example.responses().size(); i++) {
            html.append("<li>");
            if (i < example.totals().size()) {
                html.append("<strong title=\"the sum of this response's scores over the valid samples\">total ")
                        .append(example.totals().get(i)).append("</strong>");
            }
            if (i == example.truth()) {
                html.append("<span class=\"badge truth\">true best</span>");
            }
            if (i == example.best()) {
                html.append("<span class=\"badge\">voted best</span>");
            }
            html.append("<div class=\"text\">")
                    .append(esc(EvalReport.excerpt(example.responses().get(i), EvalReport.RESPONSE_CHARS)))
                    .append("</div></li>\n");
        }
        html.append("</ol>\n<p class=\"caption\">#1, #2, ... number the responses in the file's order. A total is "
                + "the sum of a response's scores over the valid samples (each on the judge's scale), so the most "
                + "a response can total is k times the top score. Each sample saw the responses in its own "
                + "order and its critique names them by that order: the line above it says which is which.</p>\n");
        for (int s = 0; s < example.samples().size(); s++) {
            Sample sample = example.samples().get(s);
            html.append("<div class=\"muted\">Sample ").append(s + 1);
            if (sample.failure() != null) {
                html.append(": failed, ").append(esc(sample.failure())).append("</div>\n");
                continue;
            }
            html.append(": scores ").append(esc(join(sample.scores()))).append(" <span class=\"muted\">(in the file's "
                    + "order)</span>");
            String shown = sample.shownAs();
            if (!shown.isEmpty()) {
                html.append("<br>its critique's names: ").append(esc(shown));
            }
            html.append("</div>\n");
            if (!sample.principles().isEmpty()) {
                html.append("<ul class=\"principles\">\n");
                for (Principle principle : sample.principles()) {
                    html.append("<li>").append(esc(principle.text()))
                            .append(String.format(Locale.ROOT, " <span class=\"muted\">(weight %s)</span>",
                                    esc(weight(principle.weight()))))
                            .append("</li>\n");
                }
                html.append("</ul>\n");
            }
            html.append("<div class=\"text\">")
                    .append(esc(EvalReport.excerpt(sample.critique(), EvalReport.CRITIQUE_CHARS)))
                    .append("</div>\n");
        }
        html.append("</div>\n");
    }

    /** The scaling chart: one polyline per series on a log2 k axis, with axes, grid, labels and a legend. */
    static String chart(Data data) {
        List<Series> series = EvalReport.series(data);
        List<Integer> ks = EvalReport.chartKs(data);
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                + "role=\"img\" aria-label=\"accuracy versus k\" font-family=\"system-ui, 'DejaVu Sans', sans-serif\" "
                + "font-size=\"12\">\n", WIDTH, HEIGHT));
        if (series.isEmpty()) {
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#6b7280\">"
                    + "no accuracy to plot</text>\n</svg>\n", WIDTH / 2, HEIGHT / 2));
            return svg.toString();
        }
        double min = series.stream().flatMap(s -> s.points().values().stream()).mapToDouble(d -> d).min().orElse(0);
        double max = series.stream().flatMap(s -> s.points().values().stream()).mapToDouble(d -> d).max().orElse(1);
        double step = max - min > 0.4 ? 0.1 : 0.05;
        double lo = Math.max(0, Math.floor((min - 0.02) / step) * step);
        double hi = Math.min(1, Math.ceil((max + 0.02) / step) * step);
        if (hi - lo < 2 * step) {
            hi = Math.min(1, lo + 2 * step);
            lo = Math.max(0, hi - 2 * step);
        }
        Axis axis = new Axis(log2(ks.get(0)), log2(ks.get(ks.size() - 1)), lo, hi);

        // Grid and y labels.
        int ticks = (int) Math.round((hi - lo) / step);
        for (int t = 0; t <= ticks; t++) {
            double value = lo + t * step;
            double y = axis.y(value);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                    LEFT, WIDTH - RIGHT, y, y, t == 0 ? "#9ca3af" : "#e5e7eb"));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#6b7280\" "
                    + "dominant-baseline=\"middle\">%.0f%%</text>\n", LEFT - 8, y, value * 100));
        }
        // x ticks at each k.
        for (int k : ks) {
            double x = axis.x(log2(k));
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#9ca3af\"/>\n",
                    x, x, HEIGHT - BOTTOM, HEIGHT - BOTTOM + 5));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#374151\">"
                    + "%d</text>\n", x, HEIGHT - BOTTOM + 19, k));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#374151\" "
                + "font-size=\"13\">k (samples per item, log scale)</text>\n", (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 8));
        svg.append(String.format(Locale.ROOT, "<text transform=\"translate(14 %d) rotate(-90)\" text-anchor=\"middle\" "
                + "fill=\"#374151\" font-size=\"13\">accuracy</text>\n", (TOP + HEIGHT - BOTTOM) / 2));

        // Lines.
        for (Series s : series) {
            String colour = s.meta() ? META_COLOUR : VOTING_COLOUR;
            String dash = s.secondary() ? " stroke-dasharray=\"6 4\" stroke-opacity=\"0.75\"" : "";
            StringBuilder points = new StringBuilder();
            s.points().forEach((k, value) -> points.append(points.isEmpty() ? "" : " ")
                    .append(String.format(Locale.ROOT, "%.1f,%.1f", axis.x(log2(k)), axis.y(value))));
            svg.append("<g class=\"series\" data-series=\"").append(esc(s.name())).append("\">\n");
            svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" "
                    + "stroke-linejoin=\"round\"%s points=\"%s\"/>\n", colour, dash, points));
            Map.Entry<Integer, Double> last = null;
            for (Map.Entry<Integer, Double> point : s.points().entrySet()) {
                // Hollow markers for the second pass.
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" "
                                + "stroke=\"%s\" stroke-width=\"1.5\"><title>%s k=%d: %s</title></circle>\n",
                        axis.x(log2(point.getKey())), axis.y(point.getValue()), s.secondary() ? "#fff" : colour,
                        s.secondary() ? colour : "#fff", esc(s.name()), point.getKey(),
                        esc(EvalReport.percent(point.getValue()))));
                last = point;
            }
            if (last != null) {
                svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" font-weight=\"600\" "
                                + "dominant-baseline=\"middle\">%s</text>\n", axis.x(log2(last.getKey())) + 9,
                        axis.y(last.getValue()), colour, esc(EvalReport.percent(last.getValue()))));
            }
            svg.append("</g>\n");
        }

        // Legend above the plot, two entries a row (there are at most four: Voting and MetaRM of two passes).
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String colour = s.meta() ? META_COLOUR : VOTING_COLOUR;
            String dash = s.secondary() ? " stroke-dasharray=\"6 4\"" : "";
            int x = LEFT + (i % 2) * LEGEND_COLUMN;
            int y = LEGEND_Y + (i / 2) * 18;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"2.5\"%s/>\n", x, x + 22, y, y, colour, dash));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#1f2937\" "
                    + "dominant-baseline=\"middle\">%s</text>\n", x + 28, y, esc(s.name())));
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    /** Maps log2 k and accuracy to SVG coordinates. */
    private record Axis(double x0, double x1, double lo, double hi) {
        double x(double log2k) {
            double left = LEFT + 24;
            double right = WIDTH - RIGHT - 12;
            if (x1 == x0) {
                return (left + right) / 2;
            }
            return left + (log2k - x0) / (x1 - x0) * (right - left);
        }

        double y(double value) {
            return TOP + (hi - value) / (hi - lo) * (HEIGHT - BOTTOM - TOP);
        }
    }

    private static double log2(int k) {
        return Math.log(k) / Math.log(2);
    }

    static String weight(double weight) {
        return weight == Math.rint(weight) ? Long.toString((long) weight) : Double.toString(weight);
    }

    private static String join(List<Integer> scores) {
        StringBuilder text = new StringBuilder();
        scores.forEach(s -> text.append(text.isEmpty() ? "" : ", ").append(s));
        return text.toString();
    }

    /** Escapes text for HTML element content and double- or single-quoted attributes. */
    static String esc(String text) {
        return Html.escape(text);
    }
}
