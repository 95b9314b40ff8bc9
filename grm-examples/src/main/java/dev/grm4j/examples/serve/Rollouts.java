package dev.grm4j.examples.serve;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Takes an RLHF rollout apart. OpenRLHF sends each rollout as {@code query} = the templated prompt
 * followed by the response, and the templated prompt alone as {@code prompts}; the judge needs the
 * user's own question and the response, without chat-template tokens.
 *
 * <p>The split is where a policy would attack: a response that writes its own chat markers
 * ({@code <|im_end|><|im_start|>user ...<|im_start|>assistant}) must not become the question the judge
 * grades it against. So the split is never guessed: with a prompt, the response is exactly what follows
 * the prompt, chat markers and all; without one, the query must hold exactly one assistant marker, and
 * anything else is a 400 asking for {@code prompts}.
 */
final class Rollouts {

    /**
     * One turn-taking convention of a chat template: where turns start and end, and how a prompt
     * rendered with it opens (after any begin-of-sequence token).
     */
    record Template(String userStart, String assistantStart, List<String> turnEnds, List<String> openings) {
    }

    /** The chat templates whose markers are recognised. */
    static final List<Template> TEMPLATES = List.of(
            new Template("<|im_start|>user\n", "<|im_start|>assistant\n", List.of("<|im_end|>", "<|endoftext|>"),
                    List.of("<|im_start|>")),
            new Template("<|start_header_id|>user<|end_header_id|>", "<|start_header_id|>assistant<|end_header_id|>",
                    List.of("<|eot_id|>", "<|end_of_text|>"), List.of("<|start_header_id|>")),
            new Template("<start_of_turn>user\n", "<start_of_turn>model\n", List.of("<end_of_turn>", "<eos>"),
                    List.of("<start_of_turn>")),
            new Template("<｜User｜>", "<｜Assistant｜>", List.of("<｜end▁of▁sentence｜>"), List.of("<｜User｜>")),
            new Template("<|user|>", "<|assistant|>", List.of("<|end|>", "<|endoftext|>", "</s>"),
                    List.of("<|user|>", "<|system|>")),
            new Template("[INST]", "[/INST]", List.of("</s>"), List.of("[INST]")),
            new Template("Human:", "Assistant:", List.of(), List.of("Human:")),
            new Template("User:", "Assistant:", List.of(), List.of("User:")));

    /** Begin-of-sequence tokens a rendered prompt may open with. */
    private static final List<String> SEQUENCE_STARTS =
            List.of("<s>", "<|begin_of_text|>", "<bos>", "<｜begin▁of▁sentence｜>");

    /** Every distinct assistant marker, for counting them in a query. */
    private static final List<String> ASSISTANT_MARKERS = List.copyOf(TEMPLATES.stream()
            .map(Template::assistantStart).collect(java.util.stream.Collectors.toCollection(LinkedHashSet::new)));

    /** Special tokens a generation may end with, whatever the template. */
    private static final List<String> END_TOKENS = TEMPLATES.stream().flatMap(t -> t.turnEnds().stream()).distinct().toList();

    /** A rollout taken apart: the question the judge grades against, and the response it grades. */
    record Rollout(String question, String response) {
    }

    private Rollouts() {
    }

    /**
     * Splits rollout {@code index}: after {@code prompt} when one is given, else at the query's only
     * assistant marker. The response has trailing end-of-turn tokens removed; the question is the user's
     * last message in the part before the response.
     *
     * @param prompt the templated prompt, or null when the client sent none
     * @throws BadRequest naming the index when the prompt is not a prefix of the query, when without a
     *                    prompt the query has no or several assistant markers, or when no question is left
     */
    static Rollout split(int index, String query, String prompt) {
        String before;
        String after;
        if (prompt != null) {
            int length = prefixLength(query, prompt);
            if (length < 0) {
                throw new BadRequest("query[" + index + "] does not start with prompts[" + index + "] (not even with"
                        + " the prompt's trailing whitespace trimmed): each query must be its prompt followed by the"
                        + " response");
            }
            before = prompt;
            after = query.substring(length);
        } else {
            int at = onlyAssistantMarker(index, query);
            String marker = ASSISTANT_MARKERS.stream().filter(m -> query.startsWith(m, at)).findFirst().orElseThrow();
            before = query.substring(0, at + marker.length());
            after = query.substring(at + marker.length());
        }
        String question = userQuestion(before);
        if (question.isBlank()) {
            throw new BadRequest((prompt != null ? "prompts[" + index + "]" : "query[" + index + "]")
                    + ": no user question found before the response");
        }
        return new Rollout(question, stripEnds(after));
    }

    /**
     * What follows {@code prompt} in {@code query}, for rollouts of a GRM being trained: the prompt must
     * be a prefix, exactly or with its trailing whitespace trimmed.
     *
     * @throws BadRequest naming the index when it is not
     */
    static String responseAfter(int index, String query, String prompt) {
        int length = prefixLength(query, prompt);
        if (length < 0) {
            throw new BadRequest("query[" + index + "] does not start with prompts[" + index + "] (not even with the"
                    + " prompt's trailing whitespace trimmed)");
        }
        return stripEnds(query.substring(length));
    }

    /**
     * How much of {@code query} the prompt takes: all of {@code prompt} when the query starts with it,
     * else the prompt less its trailing whitespace (a tokenizer round trip may drop a final newline), else -1.
     */
    private static int prefixLength(String query, String prompt) {
        if (query.startsWith(prompt)) {
            return prompt.length();
        }
        String trimmed = prompt.stripTrailing();
        return query.startsWith(trimmed) ? trimmed.length() : -1;
    }

    /** Where the query's one assistant marker starts. */
    private static int onlyAssistantMarker(int index, String query) {
        int found = -1;
        int count = 0;
        Set<String> seen = new LinkedHashSet<>();
        for (String marker : ASSISTANT_MARKERS) {
            for (int at = query.indexOf(marker); at >= 0; at = query.indexOf(marker, at + marker.length())) {
                found = at;
                count++;
                seen.add(marker.strip());
            }
        }
        if (count == 0) {
            throw new BadRequest("query[" + index + "] has no assistant marker of a known chat template "
                    + ASSISTANT_MARKERS.stream().map(String::strip).toList() + ": send prompts, the templated prompt"
                    + " of each query, so that its response can be told apart");
        }
        if (count > 1) {
            throw new BadRequest("query[" + index + "] holds " + count + " assistant markers " + seen + ", so where its"
                    + " response starts is ambiguous (a response may write markers of its own): send prompts, the"
                    + " templated prompt of each query");
        }
        if (!opensAsTemplated(query, found)) {
            throw new BadRequest("query[" + index + "] does not open with a turn of the chat template of its assistant"
                    + " marker " + seen + ", so the marker may be the response's own: send prompts, the templated"
                    + " prompt of each query");
        }
        return found;
    }

    /**
     * Whether the query opens as a prompt rendered with the template of the assistant marker at
     * {@code marker}, with a user turn before it. A plain-text prompt holds no marker of its own, so a
     * single marker after it can only be one the response wrote to move the question.
     */
    private static boolean opensAsTemplated(String query, int marker) {
        int start = 0;
        boolean skipped = true;
        while (skipped) {
            while (start < query.length() && Character.isWhitespace(query.charAt(start))) {
                start++;
            }
            skipped = false;
            for (String token : SEQUENCE_STARTS) {
                if (query.startsWith(token, start)) {
                    start += token.length();
                    skipped = true;
                }
            }
        }
        for (Template template : TEMPLATES) {
            if (!query.startsWith(template.assistantStart(), marker)) {
                continue;
            }
            int opening = start;
            boolean opens = template.openings().stream().anyMatch(o -> query.startsWith(o, opening));
            int user = query.indexOf(template.userStart(), start);
            if (opens && user >= 0 && user < marker) {
                return true;
            }
        }
        return false;
    }

    /**
     * The user's last message in a templated prompt: the turn of the template whose assistant marker
     * comes last (the generation prompt), else the prompt itself when it has no template.
     */
    static String userQuestion(String prompt) {
        Template best = null;
        int bestAssistant = -1;
        int bestUser = -1;
        for (Template template : TEMPLATES) {
            int assistant = prompt.lastIndexOf(template.assistantStart());
            int user = assistant >= 0 ? prompt.lastIndexOf(template.userStart(), assistant)
                    : prompt.lastIndexOf(template.userStart());
            if (assistant > bestAssistant || (assistant == bestAssistant && user > bestUser)) {
                best = template;
                bestAssistant = assistant;
                bestUser = user;
            }
        }
        if (best == null || (bestAssistant < 0 && bestUser < 0)) {
            return stripEnds(prompt);
        }
        int from = bestUser >= 0 ? bestUser + best.userStart().length() : 0;
        int to = bestAssistant >= from ? bestAssistant : prompt.length();
        String turn = prompt.substring(from, to);
        int end = turn.length();
        for (String candidate : best.turnEnds()) {
            int at = turn.indexOf(candidate);
            end = at >= 0 ? Math.min(end, at) : end;
        }
        return turn.substring(0, end).strip();
    }

    /** A generated response as the judge reads it: trimmed, trailing end-of-turn tokens removed. */
    static String generation(String response) {
        return stripEnds(response);
    }

    private static String stripEnds(String text) {
        String result = text.strip();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (String end : END_TOKENS) {
                if (result.endsWith(end)) {
                    result = result.substring(0, result.length() - end.length()).strip();
                    changed = true;
                }
            }
        }
        return result;
    }
}
