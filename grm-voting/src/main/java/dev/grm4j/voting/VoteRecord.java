package dev.grm4j.voting;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.util.List;

/**
 * A reproducibility record of one vote: what was asked, how it was sampled, and what every sample
 * gave. Together with the request itself it is enough to rerun the vote and compare. Holds no
 * credentials and no prompt text.
 *
 * @param templateVersion  the prompt template's version
 * @param model            the backend's model name
 * @param temperature      sampling temperature
 * @param maxOutputTokens  output budget per sample
 * @param votingSeed       the seed the voting model was built with
 * @param requestSeed      the seed derived for this request (voting seed and content fingerprint)
 * @param k                samples asked for
 * @param quorum           valid samples required
 * @param shuffle          whether responses were shuffled per sample
 * @param adaptive         the adaptive stopping rule
 * @param status           the vote's status
 * @param failure          why it failed, or null
 * @param totals           summed scores, or null unless voted
 * @param best             the best response, or null unless voted
 * @param tieBroken        whether the best was drawn among tied totals, or null unless voted
 * @param samples          every sample that ran
 */
public record VoteRecord(String templateVersion, String model, double temperature, int maxOutputTokens,
                         long votingSeed, long requestSeed, int k, int quorum, boolean shuffle, String adaptive,
                         String status, String failure, List<Integer> totals, Integer best, Boolean tieBroken,
                         List<Sample> samples) {

    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One sample.
     *
     * @param index        its index, 0..k-1
     * @param order        the presentation order
     * @param samplingSeed the seed sent to the backend
     * @param outcome      SCORED, UNPARSEABLE, TRUNCATED or BACKEND_ERROR
     * @param failure      why it failed, or null
     * @param scores       its scores in the request's order, or null unless scored
     * @param inputTokens  prompt tokens
     * @param outputTokens completion tokens
     * @param latencyMs    wall time of the call
     */
    public record Sample(int index, List<Integer> order, long samplingSeed, String outcome, String failure,
                         List<Integer> scores, long inputTokens, long outputTokens, long latencyMs) {
    }

    /** One line of JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a vote record is plain data and always serializes", e);
        }
    }
}
