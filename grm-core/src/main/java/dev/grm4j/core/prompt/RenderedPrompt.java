package dev.grm4j.core.prompt;

import dev.grm4j.core.Judgement;
import dev.grm4j.core.Message;

import java.util.List;
import java.util.Objects;

/**
 * A prompt ready for the backend.
 *
 * @param messages          a system message with the instructions, and a user message that ends with
 *                          the fenced responses
 * @param order             {@code order.get(p)} is the request index of the response at position {@code p}
 * @param nonce             the code carried by every fence marker of this request
 * @param templateVersion   the version of the template that rendered it
 * @param sharedPrefixChars characters before the first fenced response: the part that every sample of
 *                          the same request shares, whatever the order, and that prefix caches can reuse
 */
public record RenderedPrompt(List<Message> messages, List<Integer> order, String nonce, String templateVersion,
                             int sharedPrefixChars) {

    public RenderedPrompt {
        messages = List.copyOf(messages);
        order = List.copyOf(order);
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(templateVersion, "templateVersion");
    }

    /** Total characters over all messages. */
    public int totalChars() {
        return messages.stream().mapToInt(message -> message.content().length()).sum();
    }

    /** The sizes a judgement of this prompt carries. */
    public Judgement.PromptSize size() {
        return new Judgement.PromptSize(sharedPrefixChars, totalChars());
    }
}
