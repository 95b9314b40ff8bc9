package dev.grm4j.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Message;
import dev.grm4j.core.Outcome;
import dev.grm4j.core.Principle;
import dev.grm4j.core.ScoreRange;
import dev.grm4j.core.internal.Fences;
import dev.grm4j.examples.batch.Conversations;
import dev.grm4j.principles.SpctReward;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.examples.options.Modes;
import dev.grm4j.voting.VotingGrm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/** What each endpoint does with a parsed body: validate, vote, and shape the answer. */
final class Handlers {

    /**
     * What a handler answers: a status, a JSON-ready body (or bytes of {@code contentType}), and what the
     * request cost, for the access log.
     */
    record Answer(int status, Object body, String contentType, Work work) {

        Answer(int status, Object body) {
            this(status, body, "application/json", Work.NONE);
        }

        Answer with(Work done) {
            return new Answer(status, body, contentType, done);
        }
    }

    /**
     * What one request made the judge do: its rollouts, and the samples and failed samples of the votes
     * behind them (a group window's vote counts for each request it answers).
     */
    record Work(int rollouts, int samples, int failures) {
        static final Work NONE = new Work(0, 0, 0);

        static Work of(int rollouts, List<VoteResult> votes) {
            int samples = 0;
            int failures = 0;
            java.util.Set<VoteResult> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (VoteResult vote : votes) {
                if (vote != null && seen.add(vote)) {
                    samples += vote.samplesRun();
                    failures += vote.samplesRun() - vote.validSamples();
                }
            }
            return new Work(rollouts, samples, failures);
        }
    }

    private final VotingGrm voting;
    private final Map<VotingGrm.Adaptive, VotingGrm> byMode = new EnumMap<>(VotingGrm.Adaptive.class);
    private final RewardMetrics metrics;
    private final GroupRewards groups;
    private final GroupWindow window;
    private final Readiness readiness;

    /**
     * @param voting votes every request under its shared limit: plain Voting@k, or a meta-guided vote,
     *               whose deciding vote is answered as any other
     * @param timers closes the group window's groups; unused without one
     */
    Handlers(VotingGrm voting, RewardMetrics metrics, RewardServer.Settings settings, ScheduledExecutorService timers) {
        this.voting = voting;
        this.metrics = metrics;
        // One view per mode over the same model: a request's choice never splits the shared call limit.
        for (VotingGrm.Adaptive mode : VotingGrm.Adaptive.values()) {
            byMode.put(mode, voting.withAdaptive(mode));
        }
        // A group's rewards are every response's mean, not only its best: groups run all k samples.
        VotingGrm everySample = byMode.get(VotingGrm.Adaptive.OFF);
        this.groups = new GroupRewards(everySample, settings.maxGroup(), metrics);
        this.window = settings.groupWindow() == null ? null
                : new GroupWindow(everySample, settings.groupWindow(), settings.maxGroup(), timers, metrics::groupSize);
        this.readiness = new Readiness(settings.probe(), Duration.ofSeconds(5), Duration.ofSeconds(5), metrics);
    }

    /**
     * OpenRLHF's remote reward: one single-response vote per rollout, all under the shared limit, or,
     * with a group window, one vote per group of rollouts of the same prompt. A rollout without a vote
     * is masked ({@link RewardSheet}), never given a made-up reward.
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

        // Every rollout is checked before any is voted: a 400 leaves no vote running.
        List<GrmRequest> requests = new ArrayList<>();
        for (int i = 0; i < queries.size(); i++) {
            Rollouts.Rollout rollout = Rollouts.split(i, queries.get(i), prompts == null ? null : prompts.get(i));
            // An empty generation fails every criterion; it is scored at the floor, and says so.
            requests.add(rollout.response().isBlank() ? null : rolloutRequest(
                    GrmRequest.builder().query(rollout.question()), rollout.response(),
                    labels == null ? null : labels.get(i), "query[" + i + "]: "));
        }
        List<CompletableFuture<GroupWindow.Placed>> votes = new ArrayList<>();
        for (GrmRequest request : requests) {
            votes.add(request == null ? CompletableFuture.completedFuture(null)
                    : window != null ? window.add(request)
                    : voting.voteAsync(request).thenApply(result -> new GroupWindow.Placed(result, 0)));
        }
        CompletableFuture<Answer> reward = CompletableFuture.allOf(votes.toArray(CompletableFuture[]::new)).thenApply(done -> {
            RewardSheet sheet = new RewardSheet(voting.grm().scoreRange());
            List<VoteResult> results = new ArrayList<>();
            for (int i = 0; i < votes.size(); i++) {
                GroupWindow.Placed placed = votes.get(i).join();
                if (placed == null) {
                    sheet.empty();
                } else {
                    results.add(placed.vote());
                    sheet.vote(placed.vote(), placed.index(), "query[" + i + "]: ");
                }
            }
            Answer unavailable = sheet.unavailable();
            sheet.count(metrics, "/get_reward", unavailable != null);
            return (unavailable != null ? unavailable : new Answer(200, sheet.openRlhf()))
                    .with(Work.of(queries.size(), results));
        });
        // Giving up on the answer (the server's deadline) gives up on the samples still queued; a group's
        // vote carries on for the rollouts of other requests.
        reward.whenComplete((done, failure) -> {
            if (reward.isCancelled() && window == null) {
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
        String generated;
        if (prompt.isTextual()) {
            Rollouts.Rollout rollout = Rollouts.split(0, prompt.asText() + response, prompt.asText());
            request.query(rollout.question());
            generated = rollout.response();
        } else if (prompt.isArray()) {
            request.conversation(messages(prompt));
            generated = Rollouts.generation(response);
        } else {
            throw new BadRequest("prompt must be a string or an array of {role, content}, was "
                    + prompt.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        ScoreRange range = voting.grm().scoreRange();
        if (generated.isBlank()) {
            metrics.rollouts("/v1/reward", "empty", 1);
            return CompletableFuture.completedFuture(new Answer(200, RewardSheet.RolloutReward.empty(range).toMap())
                    .with(new Work(1, 0, 0)));
        }
        GrmRequest built = rolloutRequest(request, generated, JsonFields.label(body, "label"), "");
        CompletableFuture<VoteResult> vote = voting.voteAsync(built);
        CompletableFuture<Answer> rewarded = vote.thenApply(result -> {
            metrics.rollouts("/v1/reward", result.isVoted() ? "rewarded" : "unavailable", 1);
            return (result.isVoted() ? new Answer(200, RewardSheet.RolloutReward.of(result, 0, range).toMap())
                    : unavailable("no reward: " + Failures.noVote(result))).with(Work.of(1, List.of(result)));
        });
        rewarded.whenComplete((done, failure) -> {
            if (rewarded.isCancelled()) {
                vote.cancel(false);
            }
        });
        return rewarded;
    }

    /** {@code POST /v1/group-reward}: see {@link GroupRewards}. */
    CompletableFuture<Answer> groupReward(JsonNode body) {
        return groups.answer(body);
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
            Map<String, Object> answer = describe(result);
            answer.put("adaptive", Modes.name(used));
            return (result.isVoted() ? new Answer(200, answer) : new Answer(503, Map.of("error", Map.of(
                    "message", "no vote: " + Failures.noVote(result), "type", "no_quorum"), "result", answer)))
                    .with(Work.of(built.size(), List.of(result)));
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

    /** Liveness: the server answers. Says nothing of the judge; {@code /ready} does. */
    Answer health() {
        return new Answer(200, Map.of("status", "ok", "model", voting.grm().modelName(), "k", voting.k(),
                "template", voting.grm().template().version()));
    }

    /** Readiness: whether the judge answers a cheap probe (cached a few seconds); 503 with the reason if not. */
    CompletableFuture<Answer> ready() {
        return readiness.check().thenApply(reason -> {
            if (reason.isEmpty()) {
                return new Answer(200, Map.of("status", "ready", "model", voting.grm().modelName()));
            }
            String message = "the judge (" + voting.grm().modelName() + ") does not answer its probe: " + reason.get();
            return new Answer(503, Map.of("status", "unready", "reason", message,
                    "error", Map.of("message", message, "type", "unavailable")));
        });
    }

    /** An error answer's message, for the log; the body's status otherwise. */
    static String errorMessage(Answer answer) {
        if (answer.body() instanceof Map<?, ?> body && body.get("error") instanceof Map<?, ?> error) {
            return String.valueOf(error.get("message"));
        }
        return "status " + answer.status();
    }

    static Answer unavailable(String message) {
        return new Answer(503, Map.of("error", Map.of("message", message, "type", "unavailable")));
    }

    private static Map<String, Object> describe(VoteResult result) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("status", result.status().name());
        // The native API's mask: false means no score stands, whatever else the answer holds.
        answer.put("valid", result.isVoted());
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

    static List<Message> messages(JsonNode conversation) {
        try {
            return Conversations.read(conversation, "conversation");
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
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
