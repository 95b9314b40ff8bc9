package dev.grm4j.core.internal;

/** What the self-contained HTML reports (grm eval's, and the JUnit extension's) share: escaping and their common styles. */
public final class Html {

    /** The page both reports are laid out on: type, headings, tables. */
    public static final String PAGE_CSS = """
            :root { --ink:#1f2937; --muted:#6b7280; --rule:#e5e7eb; --panel:#f9fafb; --accent:#2563eb; }
            * { box-sizing: border-box; }
            body { margin:0; background:#fff; color:var(--ink);
              font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
            main { max-width: 980px; margin: 0 auto; padding: 32px 28px 64px; }
            h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
            h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--rule); }
            h3 { font-size: 15px; margin: 18px 0 6px; }
            .sub { color: var(--muted); margin: 0 0 20px; }
            table { border-collapse: collapse; margin: 8px 0 4px; font-size: 14px; }
            th, td { padding: 5px 12px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
            th { font-weight: 600; color: var(--muted); font-size: 13px; background: var(--panel); }
            td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
            """;

    /** The raw JSON records both reports show. */
    public static final String JSON_CSS = """
            pre.json { background: #0f172a; color: #e2e8f0; border-radius: 8px; padding: 12px 14px; overflow-x: auto;
              font: 12.5px/1.5 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
            """;

    /** The judgement cards both reports show: texts, badges, responses, principles. */
    public static final String CARD_CSS = """
            .cards { display: grid; gap: 16px; }
            .card { border: 1px solid var(--rule); border-radius: 8px; padding: 14px 16px; }
            .card h3 { margin-top: 0; }
            .text { white-space: pre-wrap; word-break: break-word; background: var(--panel); border-radius: 6px;
              padding: 8px 10px; margin: 4px 0 10px; font-size: 14px; }
            .badge { display: inline-block; font-size: 12px; border-radius: 10px; padding: 0 8px; margin-left: 6px;
              background: #e0e7ff; color: #3730a3; }
            .badge.truth { background: #dcfce7; color: #166534; }
            .badge.wrong { background: #fee2e2; color: #991b1b; }
            ol.responses { padding-left: 22px; margin: 4px 0 10px; }
            ol.responses li { margin-bottom: 6px; }
            ul.principles { margin: 4px 0 6px; padding-left: 20px; font-size: 14px; }
            .muted { color: var(--muted); }
            """;

    private Html() {
    }

    /** Escapes text for HTML element content and double- or single-quoted attributes. */
    public static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
