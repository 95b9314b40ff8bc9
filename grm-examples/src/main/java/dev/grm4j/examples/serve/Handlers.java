package dev.grm4j.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Message;
import dev.grm4j.core.Outcome;
import dev.grm4j.core.Principle;
import dev.grm4j.core.ScoreRange;
import dev.grm4j.core.internal.Fences;
import dev.grm4j.principles.SpctReward;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.examples.options.Modes;
import dev.grm4j.voting.VotingGrm;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** What each endpoint does with a parsed body: validate, vote, and shape the answer. */
final class Handlers {

    /** What a handler answers: a status and a JSON-ready body. */
    record Answer(int status, Object body) {
    }

    private final VotingGrm voting;
    private final Map<VotingGrm.Adaptive, VotingGrm> byMode = new EnumMap<>(VotingGrm.Adaptive.class);
    private final Metrics metrics;

    /**
     * @param voting votes every request under its shared limit: plain Voting@k, or a meta-guided vote,
     *               whose deciding vote is answered as any other
     */
    Handlers(VotingGrm voting, Metrics metrics) {
        this.voting = voting;
        this.metrics = metrics;
        // One view per mode over the same model: a request's choice never splits the shared call limit.
        for (VotingGrm.Adaptive mode : VotingGrm.Adaptive.values()) {
            byMode.put(mode, voting.withAdaptive(mode));
        }
    }

    /**
     * OpenRLHF's remote reward: one single-response vote per rollout, all under the shared limit.
     * Any rollout without a vote makes the whole answer a 503: a trainer must not get a made-up reward.
     */
    CompletableFuture<Answer> getReward(JsonNode body) {
        JsonFields.onlyKnown(body, Set.of("query", "prompts", "labels"));
        List<String> queries = JsonFields.strings(body, "query", false);
        if (queries == null) {
            throw new BadRequest("query is required: an array of strings, each the templated prompt followed by the response");
        }
        List<String> prompts = JsonFields.strings(body, "prompts", false);
        List<String> labels = JsonFields.labels(body, "labels");
        requireSameLength("prompts", prompts, queries.size());
        requireSameLength("labels", labels, queries.size());

        List<GrmRequest> requests = new ArrayList<>();
        boolean[] empty = new boolean[queries.size()];
        for (int i = 0; i < queries.size(); i++) {
            Rollouts.Rollout rollout = Rollouts.split(i, queries.get(i), prompts == null ? null : prompts.get(i));
            String question = rollout.question();
            String response = rollout.response();
            if (response.isBlank()) {
                // An empty generation fails every criterion; it is scored at the floor, and says so.
                empty[i] = true;
                continue;
            }
            requests.add(rolloutRequest(GrmRequest.builder().query(question), response,
                    labels == null ? null : labels.get(i), "query[" + i + "]: "));
        }
        List<CompletableFuture<VoteResult>> votes = requests.stream().map(voting::voteAsync).toList();
        CompletableFuture<Answer> reward = CompletableFuture.allOf(votes.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<VoteResult> results = votes.stream().map(CompletableFuture::join).toList();
            results.forEach(metrics::vote);
            ScoreRange range = voting.grm().scoreRange();
            List<Double> rewards = new ArrayList<>();
            List<Double> scores = new ArrayList<>();
            List<Double> variance = new ArrayList<>();
            List<Double> valid = new ArrayList<>();
            List<Double> parseFailures = new ArrayList<>();
            List<Double> emptyResponse = new ArrayList<>();
            int next = 0;
            for (int i = 0; i < queries.size(); i++) {
                RolloutReward rollout;
                if (empty[i]) {
                    rollout = RolloutReward.empty(range);
                } else {
                    VoteResult result = results.get(next++);
                    if (!result.isVoted()) {
                        return unavailable("query[" + i + "]: no reward: " + Failures.noVote(result));
                    }
                    rollout = RolloutReward.of(result, range);
                }
                rewards.add(rollout.reward());
                scores.add(rollout.score());
                variance.add(rollout.variance());
                valid.add((double) rollout.validSamples());
                parseFailures.add((double) rollout.parseFailures());
                emptyResponse.add(rollout.emptyResponse() ? 1.0 : 0.0);
            }
            Map<String, Object> logs = new LinkedHashMap<>();
            logs.put("vote_variance", variance);
            logs.put("valid_samples", valid);
            logs.put("parse_failures", parseFailures);
            logs.put("empty_response", emptyResponse);
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("rewards", rewards);
            answer.put("scores", scores);
            answer.put("extra_logs", logs);
            return new Answer(200, answer);
        });
        // Giving up on the answer (the server's deadline) gives up on the samples still queued.
        reward.whenComplete((done, failure) -> {
            if (reward.isCancelled()) {
                votes.forEach(vote -> vote.cancel(false));
            }
        });
        return reward;
    }

    /**
     * slime's remote reward model: one rollout, {@code {"prompt", "response", "label"?}}, the prompt a
     * templated string (split as OpenRLHF's are) or a conversation of {@code {role, content}}. The answer
     * is an object, for slime's {@code --reward-key reward}: {@code reward} on the judge's scale, {@code score}
     * in 0..1, {@code valid}, and the vote's figures. A rollout without a vote is a 503, never a reward.
     */
    CompletableFuture<Answer> reward(JsonNode body) {
        JsonFields.onlyKnown(body, Set.of("prompt", "response", "label"));
        String response = JsonFields.string(body, "response");
        JsonNode prompt = body.get("prompt");
        if (prompt == null || prompt.isNull() || response == null) {
            throw new BadRequest("prompt and response are required: the prompt as the policy saw it (a templated "
                    + "string, or an array of {role, content}) and the response it generated");
        }
        GrmRequest.Builder request = GrmRequest.builder();
        String generated = response;
        if (prompt.isTextual()) {
            Rollouts.Rollout rollout = Rollouts.split(0, prompt.asText() + response, prompt.asText());
            request.query(rollout.question());
            generated = rollout.response();
        } else if (prompt.isArray()) {
            request.conversation(messages(prompt));
        } else {
            throw new BadRequest("prompt must be a string or an array of {role, content}, was "
                    + prompt.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        ScoreRange range = voting.grm().scoreRange();
        if (generated.isBlank()) {
            return CompletableFuture.completedFuture(new Answer(200, RolloutReward.empty(range).toMap()));
        }
        GrmRequest built = rolloutRequest(request, generated, JsonFields.label(body, "label"), "");
        CompletableFuture<VoteResult> vote = voting.voteAsync(built);
        CompletableFuture<Answer> rewarded = vote.thenApply(result -> {
            metrics.vote(result);
            return result.isVoted() ? new Answer(200, RolloutReward.of(result, range).toMap())
                    : unavailable("no reward: " + Failures.noVote(result));
        });
        rewarded.whenComplete((done, failure) -> {
            if (rewarded.isCancelled()) {
                vote.cancel(false);
            }
        });
        return rewarded;
    }

    /**
     * One rollout's reward as both RL contracts report it: the mean vote on the judge's scale, the same in
     * 0..1, and the vote's figures. An empty generation fails every criterion: it is rewarded at the floor
     * without a judge call, and says so.
     */
    private record RolloutReward(double reward, double score, double variance, int validSamples, int parseFailures,
                                 boolean emptyResponse) {

        static RolloutReward empty(ScoreRange range) {
            return new RolloutReward(range.min(), 0, 0, 0, 0, true);
        }

        static RolloutReward of(VoteResult result, ScoreRange range) {
            double mean = result.means().get(0);
            return new RolloutReward(mean, (mean - range.min()) / (range.max() - range.min()),
                    result.variances().get(0), result.validSamples(),
                    result.outcomes().getOrDefault(Outcome.UNPARSEABLE, 0), false);
        }

        /** {@code /v1/reward}'s answer. */
        Map<String, Object> toMap() {
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("reward", reward);
            answer.put("score", score);
            answer.put("valid", true);
            answer.put("empty_response", emptyResponse);
            answer.put("vote_variance", variance);
            answer.put("valid_samples", validSamples);
            answer.put("parse_failures", parseFailures);
            return answer;
        }
    }

    /** One rollout's single-response request, its label (when there is one) the judge's reference. */
    private GrmRequest rolloutRequest(GrmRequest.Builder request, String response, String label, String where) {
        request.responses(response);
        if (label != null && !label.isBlank()) {
            request.reference(label);
        }
        try {
            GrmRequest built = request.build();
            voting.grm().checkRequest(built);
            return built;
        } catch (IllegalArgumentException e) {
            throw new BadRequest(where + e.getMessage());
        }
    }

    /** The native API: one request with its conversation and responses, the full vote back. */
    CompletableFuture<Answer> score(JsonNode body) {
        JsonFields.onlyKnown(body, Set.of("query", "conversation", "responses", "reference", "principles",
                "adaptive"));
        VotingGrm chosen = voting;
        String mode = JsonFields.string(body, "adaptive");
        if (mode != null) {
            VotingGrm.Adaptive adaptive = Modes.adaptiveOrNull(mode);
            if (adaptive == null) {
                throw new BadRequest("adaptive must be off, exact or auto, was '" + mode + "'");
            }
            chosen = byMode.get(adaptive);
        }
        GrmRequest.Builder request = GrmRequest.builder();
        String query = JsonFields.string(body, "query");
        JsonNode conversation = body.get("conversation");
        if ((query == null) == (conversation == null || conversation.isNull())) {
            throw new BadRequest("give exactly one of query (a string) or conversation (an array of {role, content})");
        }
        if (query != null) {
            request.query(query);
        } else {
            request.conversation(messages(conversation));
        }
        List<String> responses = JsonFields.strings(body, "responses", false);
        if (responses == null) {
            throw new BadRequest("responses is required: an array of 1 or more strings");
        }
        request.responses(responses);
        request.reference(JsonFields.string(body, "reference"));
        request.principles(principles(body.get("principles")));
        GrmRequest built;
        try {
            built = request.build();
            voting.grm().checkRequest(built);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
        VotingGrm.Adaptive used = chosen.adaptive();
        CompletableFuture<VoteResult> vote = chosen.voteAsync(built);
        CompletableFuture<Answer> scored = vote.thenApply(result -> {
            metrics.vote(result);
            Map<String, Object> answer = describe(result);
            answer.put("adaptive", Modes.name(used));
            return result.isVoted() ? new Answer(200, answer) : new Answer(503, Map.of("error", Map.of(
                    "message", "no vote: " + Failures.noVote(result), "type", "no_quorum"), "result", answer));
        });
        scored.whenComplete((done, failure) -> {
            if (scored.isCancelled()) {
                vote.cancel(false);
            }
        });
        return scored;
    }

    /**
     * The SPCT rule reward (paper Eq. 11) for rollouts of a GRM being trained, in OpenRLHF's shape:
     * each query is the GRM prompt (as grm4j rendered it, responses fenced) followed by the GRM's
     * output, and each label is the index of the best response (or the true score for one response).
     */
    Answer spctReward(JsonNode body) {
        JsonFields.onlyKnown(body, Set.of("query", "prompts", "labels"));
        List<String> queries = JsonFields.strings(body, "query", false);
        List<String> prompts = JsonFields.strings(body, "prompts", false);
        List<String> labels = JsonFields.labels(body, "labels");
        if (queries == null || prompts == null || labels == null) {
            throw new BadRequest("query, prompts and labels are required arrays of strings of equal length");
        }
        requireSameLength("prompts", prompts, queries.size());
        requireSameLength("labels", labels, queries.size());
        ScoreRange range = voting.grm().scoreRange();
        List<Double> rewards = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        for (int i = 0; i < queries.size(); i++) {
            int responses = Fences.extract(prompts.get(i)).size();
            if (responses == 0) {
                throw new BadRequest("prompts[" + i + "] has no fenced responses: send the GRM prompt as grm4j rendered it");
            }
            int label = indexLabel(i, labels.get(i));
            if (responses > 1 && (label < 0 || label >= responses)) {
                throw new BadRequest("labels[" + i + "] must be a response index in 0.." + (responses - 1) + ", was " + label);
            }
            String rollout = Rollouts.responseAfter(i, queries.get(i), prompts.get(i));
            int reward = SpctReward.of(rollout, responses, label, range, true);
            rewards.add((double) reward);
            scores.add(reward > 0 ? 1.0 : 0.0);
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("rewards", rewards);
        answer.put("scores", scores);
        answer.put("extra_logs", Map.of());
        return new Answer(200, answer);
    }

    /**
     * An SPCT label: ASCII digits only. Integer.parseInt would also take "١" (Arabic-Indic one) and
     * "+1"; a label is data from a file, and a digit that only looks like one is a bug to report.
     */
    private static int indexLabel(int index, String label) {
        String text = label == null ? "" : label.strip();
        if (text.isEmpty() || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new BadRequest("labels[" + index + "] must be ASCII digits (the best response's index, or the true "
                    + "score for one response), was " + (label == null ? "null" : "'" + label + "'"));
        }
        String significant = text.replaceFirst("^0+(?=.)", "");
        if (significant.length() > 9) {
            throw new BadRequest("labels[" + index + "] is out of range: " + text);
        }
        return Integer.parseInt(significant);
    }

    Answer health() {
        return new Answer(200, Map.of("status", "ok", "model", voting.grm().modelName(), "k", voting.k(),
                "template", voting.grm().template().version()));
    }

    static Answer unavailable(String message) {
        return new Answer(503, Map.of("error", Map.of("message", message, "type", "unavailable")));
    }

    private static Map<String, Object> describe(VoteResult result) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("status", result.status().name());
        if (result.isVoted()) {
            answer.put("scores", result.totals());
            answer.put("means", result.means());
            answer.put("best", result.best());
            answer.put("tie_broken", result.tieBroken());
            answer.put("variances", result.variances());
            answer.put("agreement", result.agreement());
        }
        answer.put("valid_samples", result.validSamples());
        answer.put("samples_run", result.samplesRun());
        answer.put("usage", Map.of("input_tokens", result.usage().inputTokens(),
                "output_tokens", result.usage().outputTokens()));
        List<Map<String, Object>> samples = new ArrayList<>();
        for (Judgement sample : result.samples()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("outcome", sample.outcome().name());
            entry.put("order", sample.order());
            if (sample.isScored()) {
                entry.put("scores", sample.scores());
                entry.put("principles", sample.principles().stream()
                        .map(p -> Map.of("text", p.text(), "weight", p.weight())).toList());
                entry.put("critique", sample.critique());
            } else {
                entry.put("error", sample.failure().orElse(""));
            }
            samples.add(entry);
        }
        answer.put("samples", samples);
        return answer;
    }

    private static List<Message> messages(JsonNode conversation) {
        if (!conversation.isArray()) {
            throw new BadRequest("conversation must be an array of {role, content}");
        }
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < conversation.size(); i++) {
            JsonNode turn = conversation.get(i);
            String role = turn.isObject() ? JsonFields.string(turn, "role") : null;
            String content = turn.isObject() ? JsonFields.string(turn, "content") : null;
            if (role == null || content == null) {
                throw new BadRequest("conversation[" + i + "] must be an object with string fields role and content");
            }
            try {
                messages.add(new Message(Message.Role.valueOf(role.toUpperCase(Locale.ROOT)), content));
            } catch (IllegalArgumentException e) {
                throw new BadRequest("conversation[" + i + "].role must be system, user or assistant, was '" + role + "'");
            }
        }
        return messages;
    }

    private static List<Principle> principles(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new BadRequest("principles must be an array of {text, weight}");
        }
        List<Principle> principles = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            String text = item.isObject() ? JsonFields.string(item, "text") : null;
            JsonNode weight = item.isObject() ? item.get("weight") : null;
            if (text == null || (weight != null && !weight.isNumber())) {
                throw new BadRequest("principles[" + i + "] must be {\"text\": string, \"weight\": number}");
            }
            double value = weight == null ? 1.0 : weight.asDouble();
            if (!(value > 0) || !Double.isFinite(value)) {
                // A weight of 0 or less would let a principle count for nothing, or against the response.
                throw new BadRequest("principles[" + i + "].weight must be a finite number > 0, was " + weight);
            }
            try {
                principles.add(new Principle(text, value));
            } catch (IllegalArgumentException e) {
                throw new BadRequest("principles[" + i + "]: " + e.getMessage());
            }
        }
        return principles;
    }

    private static void requireSameLength(String field, List<String> values, int size) {
        if (values != null && values.size() != size) {
            throw new BadRequest(field + " has " + values.size() + " items but query has " + size);
        }
    }
}
