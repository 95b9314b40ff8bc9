package dev.grm4j.spark;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A benchmark file the tests write: pairs and four-response items, some as conversations, some with an
 * empty response, and a few lines that are not items at all, as public preference sets have.
 */
final class Items {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Items() {
    }

    /** {@code count} lines; every 50th is not a valid item. */
    static List<String> lines(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            if (i % 50 == 25) {
                lines.add(i % 100 == 25 ? "{\"id\": \"broken-" + i + "\", \"prompt\": \"p\"}" : "not json " + i);
                continue;
            }
            ObjectNode item = MAPPER.createObjectNode();
            if (i % 7 == 0) {
                item.put("id", i);
            } else {
                item.put("id", "item-" + i);
            }
            String question = "Question " + i + ": what is " + random.nextInt(100) + " + " + random.nextInt(100) + "?";
            if (i % 5 == 0) {
                ArrayNode conversation = item.putArray("conversation");
                conversation.addObject().put("role", "system").put("content", "Answer briefly.");
                conversation.addObject().put("role", "user").put("content", question);
            } else {
                item.put("prompt", question);
            }
            int size = i % 4 == 0 ? 4 : 2;
            ArrayNode responses = item.putArray("responses");
            for (int r = 0; r < size; r++) {
                responses.add(i % 11 == 0 && r == 1 ? "" : "Answer " + r + " to " + i + ": " + random.nextInt(1000));
            }
            item.put("best", random.nextInt(size));
            lines.add(item.toString());
        }
        return lines;
    }

    static Path write(Path file, List<String> lines) throws IOException {
        Files.write(file, lines);
        return file;
    }
}
