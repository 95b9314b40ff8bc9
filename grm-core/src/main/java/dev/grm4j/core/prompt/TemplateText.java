package dev.grm4j.core.prompt;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One parsed template text: literal text, values and flag sections. Immutable. */
final class TemplateText {

    private static final Pattern TAG = Pattern.compile("\\{\\{([#^/]?)([a-z_]+)}}");
    private static final Pattern STANDALONE_SECTION_TAG =
            Pattern.compile("(?m)^[ \\t]*(\\{\\{[#^/][a-z_]+}})[ \\t]*\\r?\\n");

    private sealed interface Node permits Literal, Value, Section {
    }

    private record Literal(String text) implements Node {
    }

    private record Value(String name) implements Node {
    }

    private record Section(String flag, boolean inverted, List<Node> body) implements Node {
    }

    private final List<Node> nodes;

    private TemplateText(List<Node> nodes) {
        this.nodes = nodes;
    }

    static TemplateText parse(String part, String text, Set<String> values, Set<String> flags) {
        String source = STANDALONE_SECTION_TAG.matcher(text).replaceAll("$1");
        Deque<List<Node>> bodies = new ArrayDeque<>();
        Deque<String[]> open = new ArrayDeque<>();
        bodies.push(new ArrayList<>());
        Matcher tag = TAG.matcher(source);
        int at = 0;
        while (tag.find()) {
            if (tag.start() > at) {
                bodies.peek().add(new Literal(source.substring(at, tag.start())));
            }
            at = tag.end();
            String kind = tag.group(1);
            String name = tag.group(2);
            switch (kind) {
                case "" -> {
                    if (!values.contains(name)) {
                        throw new IllegalArgumentException(part + " text uses unknown value {{" + name
                                + "}}; known values are " + new java.util.TreeSet<>(values));
                    }
                    bodies.peek().add(new Value(name));
                }
                case "#", "^" -> {
                    if (!flags.contains(name)) {
                        throw new IllegalArgumentException(part + " text uses unknown flag {{" + kind + name
                                + "}}; known flags are " + new java.util.TreeSet<>(flags));
                    }
                    open.push(new String[] {kind, name});
                    bodies.push(new ArrayList<>());
                }
                default -> {
                    if (open.isEmpty() || !open.peek()[1].equals(name)) {
                        throw new IllegalArgumentException(part + " text closes {{/" + name + "}} but "
                                + (open.isEmpty() ? "no section is open" : "{{" + open.peek()[0]
                                + open.peek()[1] + "}} is open"));
                    }
                    String[] section = open.pop();
                    List<Node> body = bodies.pop();
                    bodies.peek().add(new Section(name, section[0].equals("^"), List.copyOf(body)));
                }
            }
        }
        if (!open.isEmpty()) {
            throw new IllegalArgumentException(part + " text leaves {{" + open.peek()[0] + open.peek()[1]
                    + "}} unclosed");
        }
        if (at < source.length()) {
            bodies.peek().add(new Literal(source.substring(at)));
        }
        return new TemplateText(List.copyOf(bodies.pop()));
    }

    String render(Map<String, String> values, Set<String> flags) {
        StringBuilder out = new StringBuilder();
        render(nodes, values, flags, out);
        return out.toString();
    }

    int countValue(String name) {
        return count(nodes, name, true);
    }

    int countTopLevelValue(String name) {
        return count(nodes, name, false);
    }

    private static int count(List<Node> nodes, String name, boolean inSections) {
        int count = 0;
        for (Node node : nodes) {
            if (node instanceof Value value && value.name().equals(name)) {
                count++;
            } else if (inSections && node instanceof Section section) {
                count += count(section.body(), name, true);
            }
        }
        return count;
    }

    private static void render(List<Node> nodes, Map<String, String> values, Set<String> flags, StringBuilder out) {
        for (Node node : nodes) {
            if (node instanceof Literal literal) {
                out.append(literal.text());
            } else if (node instanceof Value value) {
                out.append(values.get(value.name()));
            } else if (node instanceof Section section && flags.contains(section.flag()) != section.inverted()) {
                render(section.body(), values, flags, out);
            }
        }
    }
}
