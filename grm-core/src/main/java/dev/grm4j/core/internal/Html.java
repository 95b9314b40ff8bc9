package dev.grm4j.core.internal;

/** HTML escaping for the self-contained reports (grm eval's, and the JUnit extension's). */
public final class Html {

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
