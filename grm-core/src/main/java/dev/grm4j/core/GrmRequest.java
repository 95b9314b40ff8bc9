package dev.grm4j.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the reward model judges: a conversation whose last turn is the user's query, 1..N candidate
 * responses to it, and optionally a reference answer and caller-supplied principles.
 *
 * <p>Validated on construction: the conversation must end with a non-blank user turn, and there must
 * be at least one response, none null. A blank response is a legitimate candidate (a model that wrote
 * nothing), not a malformed request: public preference sets hold empty answers, and the judge is shown
 * it as explicitly empty. The upper bound on responses belongs to the model
 * ({@link PointwiseGrm.Builder#maxResponses(int)}) and is checked when the request is judged.
 *
 * @param conversation the turns so far, ending with the user's query
 * @param responses    the candidates, in the caller's order; scores are always reported in this order
 * @param reference    a ground-truth answer shown to the judge (the paper's "with reference" variant)
 * @param principles   criteria the judge must use instead of writing its own; empty = self-generated
 */
public record GrmRequest(List<Message> conversation, List<String> responses, Optional<String> reference,
                         List<Principle> principles) {

    public GrmRequest {
        Objects.requireNonNull(conversation, "conversation");
        for (int i = 0; i < conversation.size(); i++) {
            if (conversation.get(i) == null) {
                throw new IllegalArgumentException("conversation[" + i + "] is null");
            }
        }
        conversation = List.copyOf(conversation);
        Objects.requireNonNull(responses, "responses");
        Objects.requireNonNull(reference, "reference");
        principles = List.copyOf(Objects.requireNonNull(principles, "principles"));
        if (conversation.isEmpty()) {
            throw new IllegalArgumentException("conversation is empty: it must end with the user's query");
        }
        Message last = conversation.get(conversation.size() - 1);
        if (last.role() != Message.Role.USER) {
            throw new IllegalArgumentException(
                    "conversation must end with a USER turn (the query), but ends with " + last.role());
        }
        if (last.content().isBlank()) {
            throw new IllegalArgumentException("query is blank: the last user turn has no text");
        }
        if (responses.isEmpty()) {
            throw new IllegalArgumentException("responses is empty: at least 1 candidate response is required");
        }
        for (int i = 0; i < responses.size(); i++) {
            String response = responses.get(i);
            if (response == null) {
                throw new IllegalArgumentException("responses[" + i + "] is null");
            }
        }
        responses = List.copyOf(responses);
        if (reference.isPresent() && reference.get().isBlank()) {
            throw new IllegalArgumentException("reference is blank: omit it or give the answer");
        }
    }

    /** A single-turn request: the query and its candidate responses. */
    public static GrmRequest of(String query, String... responses) {
        return of(query, Arrays.asList(responses));
    }

    /** A single-turn request: the query and its candidate responses. */
    public static GrmRequest of(String query, List<String> responses) {
        return builder().query(query).responses(responses).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.conversation.addAll(conversation);
        builder.responses.addAll(responses);
        builder.reference = reference.orElse(null);
        builder.principles.addAll(principles);
        return builder;
    }

    /** The last user turn: what the responses answer. */
    public String query() {
        return conversation.get(conversation.size() - 1).content();
    }

    /**
     * A 64-bit fingerprint of the request's content (conversation, responses, reference, principles),
     * the same in every JVM and every run: FNV-1a over the UTF-16 text with separators. Used to seed
     * per-request random draws, so that results do not depend on the order requests are processed in.
     */
    public long fingerprint() {
        long hash = 0xcbf29ce484222325L;
        for (Message message : conversation) {
            hash = fnv(fnv(hash, message.role().name()), message.content());
        }
        for (String response : responses) {
            hash = fnv(hash, response);
        }
        hash = fnv(hash, reference.orElse(""));
        for (Principle principle : principles) {
            hash = fnv(fnv(hash, principle.text()), Double.toString(principle.weight()));
        }
        return hash;
    }

    private static long fnv(long hash, String text) {
        for (int i = 0; i < text.length(); i++) {
            hash = (hash ^ text.charAt(i)) * 0x100000001b3L;
        }
        // A separator that no char equals keeps ("ab", "c") apart from ("a", "bc").
        return (hash ^ 0x10000) * 0x100000001b3L;
    }

    /** The number of candidate responses, N. */
    public int size() {
        return responses.size();
    }

    /** Builds a {@link GrmRequest}; not thread-safe. */
    public static final class Builder {
        private final List<Message> conversation = new ArrayList<>();
        private final List<String> responses = new ArrayList<>();
        private final List<Principle> principles = new ArrayList<>();
        private String reference;

        private Builder() {
        }

        /** Replaces the conversation with a single user turn. */
        public Builder query(String query) {
            Objects.requireNonNull(query, "query");
            conversation.clear();
            conversation.add(Message.user(query));
            return this;
        }

        /** Replaces the conversation; it must end with the user's query. */
        public Builder conversation(List<Message> conversation) {
            Objects.requireNonNull(conversation, "conversation");
            this.conversation.clear();
            this.conversation.addAll(conversation);
            return this;
        }

        /** Replaces the candidate responses. */
        public Builder responses(List<String> responses) {
            Objects.requireNonNull(responses, "responses");
            this.responses.clear();
            this.responses.addAll(responses);
            return this;
        }

        public Builder responses(String... responses) {
            return responses(Arrays.asList(responses));
        }

        public Builder addResponse(String response) {
            responses.add(response);
            return this;
        }

        /** A ground-truth answer for the judge to compare against; null removes it. */
        public Builder reference(String reference) {
            this.reference = reference;
            return this;
        }

        /** Criteria the judge must use instead of writing its own; replaces any set before. */
        public Builder principles(List<Principle> principles) {
            Objects.requireNonNull(principles, "principles");
            this.principles.clear();
            this.principles.addAll(principles);
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the field that is missing or invalid
         */
        public GrmRequest build() {
            return new GrmRequest(conversation, responses, Optional.ofNullable(reference), principles);
        }
    }
}
