package dev.grm4j.examples.batch;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Message;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One line of a benchmark file, validated:
 * {@code {"id": "...", "prompt": "...", "responses": ["...", "..."], "best": 1}}, where {@code best}
 * (a 0-based index) is optional and other fields are ignored. A {@code conversation} (an array of
 * {@code {role, content}} ending with the user's turn) may stand instead of the {@code prompt}.
 *
 * @param line    1-based line number in the file
 * @param id      the id as written: a non-blank string or an integer
 * @param request the prompt and responses
 * @param best    the index of the truly best response, when the file says
 */
public record BenchmarkItem(int line, JsonNode id, GrmRequest request, OptionalInt best) {

    /** A reader that accepts at most {@code maxResponses} responses per item. */
    public static Parser parser(int maxResponses) {
        return new Parser(maxResponses);
    }

    /** Turns lines into items. Thread-safe. */
    public static final class Parser {

        private static final JsonMapper MAPPER = JsonMapper.builder()
                // A repeated key or text after the object would otherwise be silently resolved.
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();

        private final int maxResponses;

        private Parser(int maxResponses) {
            this.maxResponses = maxResponses;
        }

        /**
         * @throws InvalidItemException saying what is wrong, prefixed with the line number and naming the field
         */
        public BenchmarkItem parse(JsonlLines.Line line) throws InvalidItemException {
            int number = line.number();
            if (!line.validUtf8()) {
                throw new InvalidItemException(number, null, "not valid UTF-8 text");
            }
            if (line.text().isBlank()) {
                throw new InvalidItemException(number, null, "blank line; expected a JSON object");
            }
            JsonNode root;
            try {
                root = MAPPER.readTree(line.text());
            } catch (JsonProcessingException e) {
                throw new InvalidItemException(number, null, "not valid JSON" + column(e) + ": " + e.getOriginalMessage());
            }
            if (!root.isObject()) {
                throw new InvalidItemException(number, null, "expected a JSON object, found " + kind(root));
            }
            JsonNode id = id(number, root.get("id"));
            List<Message> conversation = conversation(number, id, root);
            List<String> responses = responses(number, id, root.get("responses"));
            OptionalInt best = best(number, id, root.get("best"), responses);
            GrmRequest request;
            try {
                request = new GrmRequest(conversation, responses, Optional.empty(), List.of());
            } catch (IllegalArgumentException e) {
                // The checks above should catch everything GrmRequest does; this keeps a new rule from crashing the run.
                throw new InvalidItemException(number, id, e.getMessage());
            }
            return new BenchmarkItem(number, id, request, best);
        }

        private static JsonNode id(int line, JsonNode id) throws InvalidItemException {
            if (id == null || id.isNull()) {
                throw new InvalidItemException(line, null, "id: missing");
            }
            if (id.isTextual() && !id.asText().isBlank() || id.isIntegralNumber()) {
                return id;
            }
            throw new InvalidItemException(line, null, id.isTextual()
                    ? "id: blank"
                    : "id: expected a string or an integer, found " + kind(id));
        }

        /** The {@code prompt} as the one user turn, or the {@code conversation}: exactly one of them. */
        private static List<Message> conversation(int line, JsonNode id, JsonNode root) throws InvalidItemException {
            JsonNode conversation = root.get("conversation");
            if (conversation == null || conversation.isNull()) {
                return List.of(new Message(Message.Role.USER, text(line, id, root.get("prompt"), "prompt")));
            }
            JsonNode prompt = root.get("prompt");
            if (prompt != null && !prompt.isNull()) {
                throw new InvalidItemException(line, id, "prompt and conversation: give one of them, not both");
            }
            try {
                return Conversations.read(conversation, "conversation");
            } catch (IllegalArgumentException e) {
                throw new InvalidItemException(line, id, e.getMessage());
            }
        }

        private static String text(int line, JsonNode id, JsonNode node, String field) throws InvalidItemException {
            String text = string(line, id, node, field);
            if (text.isBlank()) {
                throw new InvalidItemException(line, id, field + ": blank");
            }
            return text;
        }

        private static String string(int line, JsonNode id, JsonNode node, String field) throws InvalidItemException {
            if (node == null || node.isNull()) {
                throw new InvalidItemException(line, id, field + ": missing");
            }
            if (!node.isTextual()) {
                throw new InvalidItemException(line, id, field + ": expected a string, found " + kind(node));
            }
            return node.asText();
        }

        private List<String> responses(int line, JsonNode id, JsonNode node) throws InvalidItemException {
            if (node == null || node.isNull()) {
                throw new InvalidItemException(line, id, "responses: missing");
            }
            if (!node.isArray()) {
                throw new InvalidItemException(line, id, "responses: expected an array of strings, found " + kind(node));
            }
            if (node.isEmpty()) {
                throw new InvalidItemException(line, id, "responses: empty; at least 1 response is required");
            }
            if (node.size() > maxResponses) {
                throw new InvalidItemException(line, id, "responses: " + node.size()
                        + " items, more than the " + maxResponses + " allowed");
            }
            List<String> responses = new ArrayList<>(node.size());
            for (int i = 0; i < node.size(); i++) {
                // A blank response is a candidate that wrote nothing: judged, as an empty one, not refused.
                responses.add(string(line, id, node.get(i), "responses[" + i + "]"));
            }
            return responses;
        }

        private static OptionalInt best(int line, JsonNode id, JsonNode node, List<String> responses)
                throws InvalidItemException {
            if (node == null || node.isNull()) {
                return OptionalInt.empty();
            }
            if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                throw new InvalidItemException(line, id, "best: expected an integer index, found "
                        + (node.isNumber() ? node.asText() : kind(node)));
            }
            int best = node.intValue();
            if (best < 0 || best >= responses.size()) {
                throw new InvalidItemException(line, id, "best: " + best + " is out of range 0.."
                        + (responses.size() - 1) + " (a 0-based index into responses)");
            }
            // No judge can rank a response strictly above an identical copy of itself.
            int copy = responses.lastIndexOf(responses.get(best));
            if (copy == best) {
                copy = responses.indexOf(responses.get(best));
            }
            if (copy != best) {
                throw new InvalidItemException(line, id, "best: responses[" + best + "] has the same text as responses["
                        + copy + "], so it cannot be the single best response");
            }
            return OptionalInt.of(best);
        }

        private static String column(JsonProcessingException e) {
            JsonLocation location = e.getLocation();
            return location == null || location.getColumnNr() <= 0 ? "" : " at column " + location.getColumnNr();
        }

        private static String kind(JsonNode node) {
            return switch (node.getNodeType()) {
                case ARRAY -> "an array";
                case OBJECT, POJO -> "an object";
                case NUMBER -> "a number";
                case BOOLEAN -> "a boolean";
                case STRING -> "a string";
                case NULL, MISSING -> "null";
                case BINARY -> "binary data";
            };
        }
    }

    /** A line that is not a valid item; the message starts with "line N: " when the input has line numbers. */
    public static final class InvalidItemException extends Exception {

        private static final long serialVersionUID = 1L;

        private final int line;
        private final transient JsonNode id;

        InvalidItemException(int line, JsonNode id, String problem) {
            super(line > 0 ? "line " + line + ": " + problem : problem);
            this.line = line;
            this.id = id;
        }

        int line() {
            return line;
        }

        /** The id when it could be read, else null. */
        JsonNode id() {
            return id;
        }

        public ItemResult.Invalid toResult() {
            return new ItemResult.Invalid(line, id, getMessage());
        }
    }
}
