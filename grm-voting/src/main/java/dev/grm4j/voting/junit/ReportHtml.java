package dev.grm4j.voting.junit;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Principle;
import dev.grm4j.core.internal.Html;
import dev.grm4j.voting.VoteResult;

import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Renders a test class's votes as one self-contained HTML page: inline CSS, no script. The look (CSS,
 * cards, principle lists, the dark JSON block) is that of grm-examples' {@code grm eval --report}, whose
 * renderer stays there: it draws accuracy-vs-k charts over a data set, which a test class does not have.
 */
final class ReportHtml {

    /** One recorded vote: the request, its result and its reproducibility record as JSON. */
    record Vote(GrmRequest request, VoteResult result, String recordJson) {
    }

    /** One test's votes, with its outcome ("passed", "failed: ..."), or null when it did not finish. */
    record Section(String name, @Nullable String status, List<Vote> votes) {
    }

    private static final String CSS = Html.PAGE_CSS + Html.CARD_CSS + Html.JSON_CSS + """
            pre.json { white-space: pre-wrap; word-break: break-all; }
            """;

    private ReportHtml() {
    }

    static String render(String title, List<Section> sections) {
        int votes = sections.stream().mapToInt(section -> section.votes().size()).sum();
        StringBuilder html = new StringBuilder(16_384);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(esc(title)).append("</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n<main>\n")
                .append("<h1>").append(esc(title)).append("</h1>\n<p class=\"sub\">").append(sections.size())
                .append(sections.size() == 1 ? " test" : " tests").append(" \u00b7 ").append(votes)
                .append(votes == 1 ? " vote" : " votes").append("</p>\n");
        for (Section section : sections) {
            String status = section.status() == null ? "not finished" : section.status();
            html.append("<h2>").append(esc(section.name())).append("<span class=\"badge ")
                    .append(status.equals("passed") ? "truth" : "wrong").append("\">").append(esc(status))
                    .append("</span></h2>\n");
            if (section.votes().isEmpty()) {
                html.append("<p class=\"muted\">No votes.</p>\n");
                continue;
            }
            html.append("<div class=\"cards\">\n");
            for (int i = 0; i < section.votes().size(); i++) {
                vote(html, i + 1, section.votes().get(i));
            }
            html.append("</div>\n");
        }
        return html.append("</main>\n</body>\n</html>\n").toString();
    }

    private static void vote(StringBuilder html, int number, Vote vote) {
        VoteResult result = vote.result();
        GrmRequest request = vote.request();
        html.append("<div class=\"card\">\n<h3>Vote ").append(number).append("<span class=\"badge")
                .append(result.isVoted() ? "" : " wrong").append("\">").append(result.status()).append("</span>");
        if (result.isVoted()) {
            html.append("<span class=\"badge\">agreement ").append(number(result.agreement())).append("</span>");
        }
        html.append("</h3>\n");
        if (!result.isVoted()) {
            html.append("<div class=\"text\">").append(esc(result.failure().orElse(""))).append("</div>\n");
        }
        html.append("<div class=\"muted\">Query</div>\n<div class=\"text\">").append(esc(request.query()))
                .append("</div>\n");
        request.reference().ifPresent(reference -> html.append("<div class=\"muted\">Reference</div>\n")
                .append("<div class=\"text\">").append(esc(reference)).append("</div>\n"));
        html.append("<div class=\"muted\">Responses</div>\n<ol class=\"responses\" start=\"0\">\n");
        for (int i = 0; i < request.responses().size(); i++) {
            html.append("<li>");
            if (result.isVoted()) {
                html.append("<span class=\"muted\">mean ").append(number(result.means().get(i))).append(", total ")
                        .append(result.totals().get(i)).append("</span>");
                if (result.best() == i) {
                    html.append("<span class=\"badge truth\">best").append(result.tieBroken() ? " (tie drawn)" : "")
                            .append("</span>");
                }
            }
            html.append("<div class=\"text\">").append(esc(request.responses().get(i))).append("</div></li>\n");
        }
        html.append("</ol>\n<table>\n<tr><th class=\"num\">sample</th><th>order</th><th>outcome</th>"
                + "<th>scores</th><th>principles and critique</th></tr>\n");
        List<Judgement> samples = result.samples();
        for (int i = 0; i < samples.size(); i++) {
            Judgement sample = samples.get(i);
            html.append("<tr><td class=\"num\">").append(i).append("</td><td>").append(sample.order())
                    .append("</td><td>").append(sample.outcome()).append("</td><td>")
                    .append(sample.isScored() ? sample.scores().toString() : "").append("</td><td>");
            if (sample.isScored()) {
                html.append("<ul class=\"principles\">");
                for (Principle principle : sample.principles()) {
                    html.append("<li>").append(esc(principle.text())).append("</li>");
                }
                html.append("</ul><div class=\"text\">").append(esc(sample.critique().strip())).append("</div>");
            } else {
                html.append("<div class=\"text\">").append(esc(sample.failure().orElse(""))).append("</div>");
            }
            html.append("</td></tr>\n");
        }
        html.append("</table>\n<div class=\"muted\">Reproducibility record</div>\n<pre class=\"json\">")
                .append(esc(vote.recordJson())).append("</pre>\n</div>\n");
    }

    static String cut(String text, int limit) {
        String line = text.strip().replace('\n', ' ');
        return line.length() <= limit ? line : line.substring(0, limit) + "...";
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    /** Escapes text for HTML element content and double- or single-quoted attributes. */
    static String esc(String text) {
        return Html.escape(text);
    }
}
