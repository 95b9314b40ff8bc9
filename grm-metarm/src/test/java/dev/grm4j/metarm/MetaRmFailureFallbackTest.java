package dev.grm4j.metarm;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.testing.ScriptedBackend;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static dev.grm4j.metarm.MetaGuidedVotingTest.REQUEST;
import static dev.grm4j.metarm.MetaGuidedVotingTest.scripted;
import static dev.grm4j.metarm.MetaGuidedVotingTest.voting;
import static org.assertj.core.api.Assertions.assertThat;

/** A meta RM that fails leaves the request to plain voting, and says so: never a silent drop. */
class MetaRmFailureFallbackTest {

    static void assertPlainVotingDecided(MetaVoteResult result, VoteResult plain, String reason) {
        assertThat(result.guided()).isFalse();
        assertThat(result.fallback()).hasValueSatisfying(text -> assertThat(text).contains(reason));
        assertThat(result.vote()).isSameAs(result.plain());
        assertThat(result.vote().totals()).isEqualTo(plain.totals());
        assertThat(result.best()).isEqualTo(plain.best());
        assertThat(result.samples()).allSatisfy(sample -> {
            assertThat(sample.metaScore()).isNaN();
            assertThat(sample.voted()).isEqualTo(sample.judgement().isScored());
        });
    }

    @Test
    void a_remote_meta_rm_answering_500_falls_back_to_plain_voting_with_the_status_recorded() throws Exception {
        VotingGrm voting = voting(8, 0.4, 0);
        try (Loopback server = new Loopback(body -> new Loopback.Answer(500, "{\"error\": \"model overloaded\"}"))) {
            MetaRewardModel remote = MetaRewardModel.remote(server.uri()).build();

            MetaVoteResult result = MetaGuidedVoting.builder(voting, remote).build().guide(REQUEST);

            assertPlainVotingDecided(result, voting.vote(REQUEST), "meta RM answered HTTP 500 for sample ");
            assertThat(result.fallback().orElseThrow()).contains("model overloaded", "remote(" + server.uri() + ")");
        }
    }

    @Test
    void an_unparseable_llm_meta_judge_answer_falls_back_to_plain_voting_with_the_answer_recorded() {
        VotingGrm voting = voting(8, 0.4, 0);
        ScriptedBackend backend = ScriptedBackend.writing(call -> "Hard to tell, honestly.");
        MetaRewardModel judge = MetaRewardModel.llmJudge(backend).build();

        MetaVoteResult result = MetaGuidedVoting.builder(voting, judge).build().guide(REQUEST);

        assertPlainVotingDecided(result, voting.vote(REQUEST),
                "is neither yes/no nor a probability: 'Hard to tell, honestly.'");
    }

    @Test
    void one_unreadable_answer_among_good_ones_is_enough_to_fall_back() {
        VotingGrm voting = voting(8, 0, 0);
        List<Integer> calls = new ArrayList<>();
        ScriptedBackend backend = ScriptedBackend.writing(call -> {
            synchronized (calls) {
                calls.add(calls.size());
                return calls.size() == 5 ? "Answer: perhaps" : "Answer: 0.8";
            }
        });

        MetaVoteResult result = MetaGuidedVoting.builder(voting, MetaRewardModel.llmJudge(backend).build()).build()
                .guide(REQUEST);

        assertThat(result.guided()).isFalse();
        assertThat(result.fallback().orElseThrow()).contains("'Answer: perhaps'");
    }

    @Test
    void a_rating_that_is_not_finite_falls_back_naming_the_sample() {
        VotingGrm voting = voting(8, 0, 0);
        MetaRewardModel broken = scripted((index, sample) -> index == 2 ? Double.NaN : 0.5);

        MetaVoteResult result = MetaGuidedVoting.builder(voting, broken).build().guide(REQUEST);

        assertPlainVotingDecided(result, voting.vote(REQUEST), "gave sample 2 the rating NaN");
    }

    @Test
    void a_meta_rm_returning_the_wrong_number_of_ratings_falls_back() {
        VotingGrm voting = voting(8, 0, 0);
        MetaRewardModel shortList = new MetaRewardModel() {
            @Override
            public CompletableFuture<List<Double>> rateAsync(GrmRequest request, List<Judgement> samples) {
                return CompletableFuture.completedFuture(List.of(1.0));
            }

            @Override
            public String name() {
                return "short";
            }
        };

        MetaVoteResult result = MetaGuidedVoting.builder(voting, shortList).build().guide(REQUEST);

        assertPlainVotingDecided(result, voting.vote(REQUEST), "meta RM short returned 1 ratings for 8 samples");
    }

    @Test
    void a_meta_rm_whose_async_call_fails_with_a_grm_exception_falls_back_without_throwing() {
        VotingGrm voting = voting(8, 0, 0);
        MetaRewardModel failing = new MetaRewardModel() {
            @Override
            public CompletableFuture<List<Double>> rateAsync(GrmRequest request, List<Judgement> samples) {
                return CompletableFuture.supplyAsync(() -> {
                    throw new MetaRatingException("embedding model failed: offline", null, -1, null, -1);
                });
            }

            @Override
            public String name() {
                return "failing";
            }
        };

        MetaVoteResult result = MetaGuidedVoting.builder(voting, failing).build().guideAsync(REQUEST).join();

        assertPlainVotingDecided(result, voting.vote(REQUEST), "meta RM failing failed: embedding model failed: offline");
    }
}
