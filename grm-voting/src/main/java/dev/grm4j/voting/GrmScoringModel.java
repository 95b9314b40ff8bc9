package dev.grm4j.voting;

import dev.grm4j.core.GrmException;
import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.ScoreRange;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import dev.langchain4j.model.scoring.ScoringModel;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A langchain4j {@link ScoringModel} backed by a voting GRM, so that a GRM drops into langchain4j's
 * re-ranking ({@code ReRankingContentAggregator}) as a judge of relevance and quality.
 *
 * <p>Each segment is a candidate response to the query; its score is its mean vote scaled from the
 * judge's range to 0..1 (1 = the top of the scale in every sample). The GRM is pointwise, so scores of
 * different calls are on one scale: more segments than the model's {@code maxResponses} are judged in
 * consecutive groups of at most that many. A group whose vote fails throws a {@link GrmException} with
 * the reason: a ScoringModel has no way to say "unknown", and a made-up score would re-rank silently.
 *
 * <p>Thread-safe; each call blocks until its votes are in.
 */
public final class GrmScoringModel implements ScoringModel {

    private final VotingGrm voting;

    private GrmScoringModel(VotingGrm voting) {
        this.voting = Objects.requireNonNull(voting, "voting");
    }

    /** Scores with {@code voting}; use k = 1 for one sample per segment group. */
    public static GrmScoringModel of(VotingGrm voting) {
        return new GrmScoringModel(voting);
    }

    /**
     * @throws GrmException if a group's vote did not reach its quorum
     */
    @Override
    public Response<List<Double>> scoreAll(List<TextSegment> segments, String query) {
        Objects.requireNonNull(segments, "segments");
        Objects.requireNonNull(query, "query");
        if (segments.isEmpty()) {
            return Response.from(List.of());
        }
        int group = voting.grm().maxResponses();
        List<GrmRequest> requests = new ArrayList<>();
        for (int from = 0; from < segments.size(); from += group) {
            List<String> texts = segments.subList(from, Math.min(segments.size(), from + group)).stream()
                    .map(TextSegment::text).toList();
            requests.add(GrmRequest.of(query, texts));
        }
        ScoreRange range = voting.grm().scoreRange();
        List<Double> scores = new ArrayList<>(segments.size());
        long input = 0;
        long output = 0;
        for (VoteResult result : voting.voteAll(requests)) {
            if (!result.isVoted()) {
                throw new GrmException("cannot score segments: " + result.status() + " ("
                        + result.failure().orElse("") + ")");
            }
            result.means().forEach(mean -> scores.add((mean - range.min()) / (range.max() - range.min())));
            input += result.usage().inputTokens();
            output += result.usage().outputTokens();
        }
        return Response.from(scores, new TokenUsage(Math.toIntExact(input), Math.toIntExact(output)));
    }
}
