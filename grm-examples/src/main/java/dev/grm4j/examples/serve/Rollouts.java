package dev.grm4j.examples.serve;

import java.util.List;
import java.util.Optional;

/**
 * Takes an RLHF rollout apart. OpenRLHF sends each rollout as {@code query} = the templated prompt
 * followed by the response, and the templated prompt alone as {@code prompts}; the judge needs the
 * user's own question and the response, without chat-template tokens.
 */
final class Rollouts {

    /** One turn-taking convention of a chat template: where turns start and end. */
    private record Template(String userStart, String assistantStart, List<String> turnEnds) {
    }

    private static final List<Template> TEMPLATES = List.of(
            new Template("<|im_start|>user\n", "<|im_start|>assistant\n", List.of("<|im_end|>", "<|endoftext|>")),
            new Template("<|start_header_id|>user<|end_header_id|>", "<|start_header_id|>assistant<|end_header_id|>",
                    List.of("<|eot_id|>", "<|end_of_text|>")),
            new Template("<start_of_turn>user\n", "<start_of_turn>model\n", List.of("<end_of_turn>", "<eos>")),
            new Template("<｜User｜>", "<｜Assistant｜>", List.of("<｜end▁of▁sentence｜>")),
            new Template("<|user|>", "<|assistant|>", List.of("<|end|>", "<|endoftext|>", "</s>")),
            new Template("[INST]", "[/INST]", List.of("</s>")),
            new Template("Human:", "Assistant:", List.of()),
            new Template("User:", "Assistant:", List.of()));

    /** Special tokens a generation may end with, whatever the template. */
    private static final List<String> END_TOKENS = TEMPLATES.stream().flatMap(t -> t.turnEnds().stream()).distinct().toList();

    private Rollouts() {
    }

    /**
     * The response part of {@code query}: what follows {@code prompt} when the query starts with it,
     * else what follows the last assistant marker; trailing end-of-turn tokens removed.
     */
    static Optional<String> response(String query, String prompt) {
        String rest = null;
        if (prompt != null && !prompt.isEmpty() && query.startsWith(prompt)) {
            rest = query.substring(prompt.length());
        } else {
            int best = -1;
            String marker = null;
            for (Template template : TEMPLATES) {
                int at = query.lastIndexOf(template.assistantStart());
                if (at > best) {
                    best = at;
                    marker = template.assistantStart();
                }
            }
            if (marker != null) {
                rest = query.substring(best + marker.length());
            }
        }
        if (rest == null) {
            return Optional.empty();
        }
        return Optional.of(stripEnds(rest));
    }

    /** The user's last message inside a templated prompt, or the prompt itself when it has no template. */
    static String userQuery(String prompt) {
        for (Template template : TEMPLATES) {
            int start = prompt.lastIndexOf(template.userStart());
            if (start < 0) {
                continue;
            }
            String turn = prompt.substring(start + template.userStart().length());
            int end = turn.length();
            for (String candidate : template.turnEnds()) {
                int at = turn.indexOf(candidate);
                end = at >= 0 ? Math.min(end, at) : end;
            }
            int assistant = turn.indexOf(template.assistantStart());
            end = assistant >= 0 ? Math.min(end, assistant) : end;
            return turn.substring(0, end).strip();
        }
        return prompt.strip();
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
