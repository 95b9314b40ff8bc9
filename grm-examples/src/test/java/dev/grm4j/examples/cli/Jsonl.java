package dev.grm4j.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Builds benchmark lines for tests. */
public final class Jsonl {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Jsonl() {
    }

    public static String item(String id, String prompt, List<String> responses, Integer best) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", id);
        node.put("prompt", prompt);
        responses.forEach(node.putArray("responses")::add);
        if (best != null) {
            node.put("best", best);
        }
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A well-formed two-response item whose first response is the better one. */
    public static String pair(int n) {
        return item("item-" + n, "What is " + n + " + " + n + "?",
                List.of("It is " + (2 * n) + ".", "It is " + (2 * n + 1) + ", I think."), 0);
    }

    public static Path write(Path file, List<String> lines) {
        try {
            Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
