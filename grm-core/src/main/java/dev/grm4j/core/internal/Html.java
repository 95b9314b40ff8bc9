package dev.grm4j.core.internal;

/** What the self-contained HTML reports (grm eval's, and the JUnit extension's) share: escaping and the card styles. */
public final class Html {

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
