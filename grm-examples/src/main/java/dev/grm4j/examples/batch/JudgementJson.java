package dev.grm4j.examples.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Principle;
import dev.grm4j.core.Reward;
import dev.grm4j.voting.VoteResult;

import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * Writes one result as one JSON line:
 * <ul>
 *   <li>scored: {@code id, scores, best, tie_broken, principles [{text, weight}], critique, outcome};</li>
 *   <li>failed judgement: {@code id, outcome, error} and no scores, since a failure is never a number;</li>
 *   <li>a vote of k samples: {@code id, scores} (the summed scores), {@code best, tie_broken, means, k,
 *       samples_run, valid_samples, adaptive, outcome}; a vote that failed: {@code id, outcome, error, k,
 *       samples_run, valid_samples, adaptive} and no scores;</li>
 *   <li>invalid input: {@code id, line, outcome "INVALID_INPUT", error}; {@code line} only when the
 *       input has line numbers (a file has, a Spark row has not).</li>
 * </ul>
 * Thread-safe.
 */
public final class JudgementJson {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final UnaryOperator<String> redact;

    /** @param redact applied to every error message, to keep secrets out of the output */
    public JudgementJson(UnaryOperator<String> redact) {
        this.redact = redact;
    }

    public String write(ItemResult result) {
        ObjectNode node = MAPPER.createObjectNode();
        node.set("id", result.id() == null ? NullNode.getInstance() : result.id());
        if (result instanceof ItemResult.Rewarded rewarded) {
            scored(node, rewarded.reward());
        } else if (result instanceof ItemResult.Voted voted) {
            voted(node, voted);
        } else if (result instanceof ItemResult.Failed failed) {
            Judgement judgement = failed.judgement();
            node.put("outcome", result.outcome());
            node.put("error", redact.apply(judgement.failure().orElse(result.outcome())));
        } else {
            ItemResult.Invalid invalid = (ItemResult.Invalid) result;
            if (invalid.line() > 0) {
                node.put("line", invalid.line());
            }
            node.put("outcome", result.outcome());
            node.put("error", redact.apply(invalid.error()));
        }
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write a JSON tree of strings and numbers", e);
        }
    }

    private void voted(ObjectNode node, ItemResult.Voted voted) {
        VoteResult vote = voted.vote();
        if (vote.isVoted()) {
            ArrayNode scores = node.putArray("scores");
            vote.totals().forEach(scores::add);
            node.put("best", vote.best());
            node.put("tie_broken", vote.tieBroken());
            ArrayNode means = node.putArray("means");
            vote.means().forEach(means::add);
        }
        node.put("k", vote.samplesRequested());
        node.put("samples_run", vote.samplesRun());
        node.put("valid_samples", vote.validSamples());
        node.put("adaptive", voted.mode().name().toLowerCase(Locale.ROOT));
        node.put("outcome", voted.outcome());
        if (!vote.isVoted()) {
            node.put("error", redact.apply(vote.failure().orElse(voted.outcome())));
        }
    }

    private static void scored(ObjectNode node, Reward reward) {
        ArrayNode scores = node.putArray("scores");
        reward.scores().forEach(scores::add);
        node.put("best", reward.best());
        node.put("tie_broken", reward.tieBroken());
        ArrayNode principles = node.putArray("principles");
        for (Principle principle : reward.judgement().principles()) {
            principles.addObject().put("text", principle.text()).put("weight", principle.weight());
        }
        node.put("critique", reward.judgement().critique());
        node.put("outcome", reward.judgement().outcome().name());
    }
}
