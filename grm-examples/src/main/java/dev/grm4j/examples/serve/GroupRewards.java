package dev.grm4j.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;

/**
 * {@code POST /v1/group-reward}: the G rollouts of one prompt rated together, each beside its siblings,
 * in one judgement per sample: k calls for the group, not G times k. Above the most responses one
 * judgement shows, the group is split into balanced sub-groups (sizes differ by at most one), and the
 * answer says how.
 */
final class GroupRewards {

    private final VotingGrm voting;
    private final int maxGroup;
    private final IntConsumer groupSizes;

    /**
     * @param voting votes every sub-group with all k samples: a group's rewards are all its means, so a
     *               vote that stops once its best response is clear would leave the others under-sampled
     */
    GroupRewards(VotingGrm voting, int maxGroup, IntConsumer groupSizes) {
        this.voting = voting;
        this.maxGroup = maxGroup;
        this.groupSizes = groupSizes;
    }

    CompletableFuture<Handlers.Answer> answer(JsonNode body) {
        JsonFields.onlyKnown(body, Set.of("prompt", "conversation", "responses", "label"));
        JsonNode prompt = body.get("prompt");
        JsonNode conversation = body.get("conversation");
        boolean hasPrompt = prompt != null && !prompt.isNull();
        boolean hasConversation = conversation != null && !conversation.isNull();
        if (hasPrompt == hasConversation) {
            throw new BadRequest("give exactly one of prompt (the prompt as the policy saw it, a string) or "
                    + "conversation (an array of {role, content})");
        }
        GrmRequest.Builder request = GrmRequest.builder();
        if (hasPrompt) {
            if (!prompt.isTextual()) {
                throw new BadRequest("prompt must be a string, was " + prompt.getNodeType().name().toLowerCase(Locale.ROOT)
                        + "; send a conversation as conversation");
            }
            String question = Rollouts.userQuestion(prompt.asText());
            if (question.isBlank()) {
                throw new BadRequest("prompt: no user question found");
            }
            request.query(question);
        } else {
            request.conversation(Handlers.messages(conversation));
        }
        List<String> responses = JsonFields.strings(body, "responses", false);
        if (responses == null || responses.isEmpty()) {
            throw new BadRequest("responses is required: an array of the group's 1 or more generated responses");
        }
        String label = JsonFields.label(body, "label");
        if (label != null && !label.isBlank()) {
            request.reference(label);
        }
        List<String> generated = responses.stream().map(Rollouts::generation).toList();
        List<Integer> judged = new ArrayList<>();
        for (int i = 0; i < generated.size(); i++) {
            if (!generated.get(i).isBlank()) {
                judged.add(i);
            }
        }
        List<List<Integer>> subgroups = balanced(judged, maxGroup);
        List<GrmRequest> requests = new ArrayList<>();
        for (List<Integer> subgroup : subgroups) {
            try {
                GrmRequest built = request.responses(subgroup.stream().map(generated::get).toList()).build();
                voting.grm().checkRequest(built);
                requests.add(built);
            } catch (IllegalArgumentException e) {
                throw new BadRequest(e.getMessage());
            }
        }
        requests.forEach(r -> groupSizes.accept(r.size()));
        List<CompletableFuture<VoteResult>> votes = requests.stream().map(voting::voteAsync).toList();
        CompletableFuture<Handlers.Answer> answer = CompletableFuture.allOf(votes.toArray(CompletableFuture[]::new))
                .thenApply(done -> sheet(generated.size(), subgroups, votes.stream().map(CompletableFuture::join).toList()));
        answer.whenComplete((done, failure) -> {
            if (answer.isCancelled()) {
                votes.forEach(vote -> vote.cancel(false));
            }
        });
        return answer;
    }

    private Handlers.Answer sheet(int size, List<List<Integer>> subgroups, List<VoteResult> results) {
        VoteResult[] voteOf = new VoteResult[size];
        int[] position = new int[size];
        for (int g = 0; g < subgroups.size(); g++) {
            for (int j = 0; j < subgroups.get(g).size(); j++) {
                voteOf[subgroups.get(g).get(j)] = results.get(g);
                position[subgroups.get(g).get(j)] = j;
            }
        }
        RewardSheet sheet = new RewardSheet(voting.grm().scoreRange());
        for (int i = 0; i < size; i++) {
            if (voteOf[i] == null) {
                sheet.empty();
            } else {
                sheet.vote(voteOf[i], position[i], "responses[" + i + "]: ");
            }
        }
        Handlers.Answer unavailable = sheet.unavailable();
        if (unavailable != null) {
            return unavailable;
        }
        Map<String, Object> answer = sheet.group();
        answer.put("subgroups", subgroups);
        answer.put("split", subgroups.size() > 1);
        answer.put("max_group", maxGroup);
        List<Map<String, Object>> described = new ArrayList<>();
        for (int g = 0; g < subgroups.size(); g++) {
            described.add(describe(results.get(g), subgroups.get(g)));
        }
        answer.put("votes", described);
        return new Handlers.Answer(200, answer);
    }

    /** A sub-group's vote, its best response named by its index in the whole group. */
    private static Map<String, Object> describe(VoteResult result, List<Integer> subgroup) {
        Map<String, Object> vote = new LinkedHashMap<>();
        vote.put("responses", subgroup);
        vote.put("status", result.status().name());
        if (result.isVoted()) {
            vote.put("best", subgroup.get(result.best()));
            vote.put("tie_broken", result.tieBroken());
            vote.put("totals", result.totals());
            vote.put("agreement", result.agreement());
        }
        vote.put("k", result.samplesRequested());
        vote.put("samples_run", result.samplesRun());
        vote.put("valid_samples", result.validSamples());
        vote.put("usage", Map.of("input_tokens", result.usage().inputTokens(),
                "output_tokens", result.usage().outputTokens()));
        return vote;
    }

    /**
     * {@code items} in the fewest runs of at most {@code max}, their sizes differing by at most one, in
     * order: 20 items at most 8 are runs of 7, 7 and 6, never 8, 8 and 4 (a response judged among 3 others
     * is rated on another footing than one among 7).
     */
    static List<List<Integer>> balanced(List<Integer> items, int max) {
        List<List<Integer>> runs = new ArrayList<>();
        if (items.isEmpty()) {
            return runs;
        }
        int count = (items.size() + max - 1) / max;
        int base = items.size() / count;
        int larger = items.size() % count;
        int from = 0;
        for (int g = 0; g < count; g++) {
            int size = base + (g < larger ? 1 : 0);
            runs.add(List.copyOf(items.subList(from, from + size)));
            from += size;
        }
        return runs;
    }
}
