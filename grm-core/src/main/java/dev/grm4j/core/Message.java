package dev.grm4j.core;

import java.util.Objects;

/**
 * One turn of a conversation.
 *
 * @param role    who spoke
 * @param content what was said; never null, may be empty only for non-user turns
 */
public record Message(Role role, String content) {

    /** Who spoke a turn. */
    public enum Role { SYSTEM, USER, ASSISTANT }

    public Message {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static Message system(String content) {
        return new Message(Role.SYSTEM, content);
    }

    public static Message user(String content) {
        return new Message(Role.USER, content);
    }

    public static Message assistant(String content) {
        return new Message(Role.ASSISTANT, content);
    }
}
