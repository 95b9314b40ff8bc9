package dev.grm4j.principles;

import dev.grm4j.core.Principle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The shipped principle lists, and the file format they share with users' own lists. */
final class Presets {

    /** Alphabetical; each has a resource {@code presets/NAME.txt} next to this class. */
    static final List<String> NAMES = List.of("coding", "general", "math", "safety", "writing");

    private Presets() {
    }

    static List<Principle> load(String name) {
        String key = name.strip().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(key)) {
            throw new IllegalArgumentException("unknown principle preset '" + name + "'; known presets are "
                    + String.join(", ", NAMES));
        }
        String resource = "presets/" + key + ".txt";
        try (InputStream in = Presets.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("preset resource missing from the jar: " + resource);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "preset " + key);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read preset resource " + resource, e);
        }
    }

    static List<Principle> read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read principles from " + file, e);
        }
        return parse(text, file.toString());
    }

    /** One principle per line or bullet; blank lines and {@code #} comments are skipped. */
    static List<Principle> parse(String text, String source) {
        String list = text.lines()
                .filter(line -> !line.stripLeading().startsWith("#"))
                .collect(Collectors.joining("\n"));
        if (list.isBlank()) {
            throw new IllegalArgumentException(source + ": no principles (only blank lines and # comments)");
        }
        try {
            return Principles.parseList(list);
        } catch (PrincipleException e) {
            throw new IllegalArgumentException(source + ": " + e.reason(), e);
        }
    }
}
