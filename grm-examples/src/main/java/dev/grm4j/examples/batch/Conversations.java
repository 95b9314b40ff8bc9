package dev.grm4j.examples.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.core.Message;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a conversation written as JSON, {@code [{"role": "user", "content": "..."}, ...]}: the one
 * reading of the server's requests and of the batch commands' input lines, so that both accept and
 * refuse the same conversations with the same words.
 */
public final class Conversations {

    private Conversations() {
    }

    /**
     * The turns of {@code conversation}, in order.
     *
     * @param field the name the messages give the conversation, e.g. {@code "conversation"}
     * @throws IllegalArgumentException naming the turn and field at fault
     */
    public static List<Message> read(JsonNode conversation, String field) {
        if (!conversation.isArray()) {
            throw new IllegalArgumentException(field + " must be an array of {role, content}");
        }
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < conversation.size(); i++) {
            JsonNode turn = conversation.get(i);
            String role = textField(turn, "role");
            String content = textField(turn, "content");
            if (role == null || content == null) {
                throw new IllegalArgumentException(field + "[" + i
                        + "] must be an object with string fields role and content");
            }
            try {
                messages.add(new Message(Message.Role.valueOf(role.toUpperCase(Locale.ROOT)), content));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(field + "[" + i + "].role must be system, user or assistant, was '"
                        + role + "'");
            }
        }
        return messages;
    }

    private static String textField(JsonNode turn, String name) {
        JsonNode value = turn.isObject() ? turn.get(name) : null;
        return value != null && value.isTextual() ? value.asText() : null;
    }
}
