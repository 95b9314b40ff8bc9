package dev.grm4j.metarm;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.testing.ScriptedBackend;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.SimulatedJudge;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VoteResult.VoteStatus;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

class MetaGuidedVotingTest {

    static final List<String> PAIR = List.of("The capital of France is Paris.", "The capital of France is Lyon.");
    static final GrmRequest REQUEST = GrmRequest.of("What is the capital of France?", PAIR);

    static VotingGrm voting(int k, double careless, double malformed) {
        SimulatedJudge judge = SimulatedJudge.builder().accuracy(0.65).carelessRate(careless).malformedRate(malformed)
                .groundTruth(GroundTruth.create().register(PAIR, 0)).build();
        return VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(k).seed(9).build();
    }

    /** A meta RM that rates by a rule over (sample index, judgement); unscored samples get NaN. */
    static MetaRewardModel scripted(BiFunction<Integer, Judgement, Double> rule) {
        return new MetaRewardModel() {
            @Override
            public CompletableFuture<List<Double>> rateAsync(GrmRequest request, List<Judgement> samples) {
                List<Double> ratings = new ArrayList<>();
                for (int i = 0; i < samples.size(); i++) {
                    ratings.add(samples.get(i).isScored() ? rule.apply(i, samples.get(i)) : Double.NaN);
                }
                return CompletableFuture.completedFuture(ratings);
            }

            @Override
            public String name() {
                return "scripted";
            }
        };
    }

    static Set<Integer> voters(MetaVoteResult result) {
        Set<Integer> voters = new HashSet<>();
        result.voters().forEach(sample -> voters.add(sample.index()));
        return voters;
    }

    @Nested
    class Selection {

        /** Sample 0 rated highest, 1..4 tied in the middle, the rest low. */
        final MetaRewardModel tiered = scripted((index, sample) -> index == 0 ? 0.9 : index <= 4 ? 0.5 : 0.1);

        @Test
        void the_top_k_meta_vote_and_equal_ratings_are_ordered_by_a_seeded_draw() {
            VotingGrm voting = voting(8, 0, 0);
            MetaGuidedVoting guided = MetaGuidedVoting.builder(voting, tiered).kMeta(3).seed(1).build();

            MetaVoteResult result = guided.guide(REQUEST);

            Set<Integer> voters = voters(result);
            assertThat(voters).hasSize(3).contains(0);
            assertThat(voters).allSatisfy(index -> assertThat(index).isBetween(0, 4));
            assertThat(result.guided()).isTrue();
            assertThat(result.kMeta()).isEqualTo(3);
            assertThat(result.samples()).hasSize(8).allSatisfy(sample ->
                    assertThat(sample.metaScore()).isEqualTo(sample.index() == 0 ? 0.9 : sample.index() <= 4 ? 0.5 : 0.1));
            List<Judgement> chosen = result.voters().stream().map(MetaVoteResult.RatedSample::judgement).toList();
            VoteResult expected = voting.revote(REQUEST, chosen, 3);
            assertThat(result.vote().totals()).isEqualTo(expected.totals());
            assertThat(result.best()).isEqualTo(expected.best());
            assertThat(result.plain().samplesRun()).isEqualTo(8);
        }

        @Test
        void the_same_seed_gives_the_same_selection_in_any_instance_and_other_seeds_draw_others() {
            VotingGrm voting = voting(8, 0, 0);
            VoteResult plain = voting.vote(REQUEST);
            Set<Integer> first = voters(MetaGuidedVoting.builder(voting, tiered).kMeta(3).seed(1).build()
                    .guide(REQUEST, plain));

            for (int run = 0; run < 5; run++) {
                assertThat(voters(MetaGuidedVoting.builder(voting, tiered).kMeta(3).seed(1).build()
                        .guide(REQUEST, plain))).isEqualTo(first);
            }
            Set<Set<Integer>> drawn = new HashSet<>();
            for (long seed = 0; seed < 30; seed++) {
                drawn.add(voters(MetaGuidedVoting.builder(voting, tiered).kMeta(3).seed(seed).build()
                        .guide(REQUEST, plain)));
            }
            assertThat(drawn).hasSizeGreaterThan(3)
                    .allSatisfy(voters -> assertThat(voters).contains(0).hasSize(3));
        }

        @Test
        void k_meta_defaults_to_half_of_k_rounded_up() {
            MetaGuidedVoting guided = MetaGuidedVoting.builder(voting(7, 0, 0), tiered).build();

            assertThat(guided.kMeta(7)).isEqualTo(4);
            assertThat(guided.kMeta(32)).isEqualTo(16);
            assertThat(guided.kMeta(1)).isEqualTo(1);
            assertThat(voters(guided.guide(REQUEST))).hasSize(4);
        }

        @Test
        void samples_that_are_not_scored_are_never_rated_and_never_vote() {
            VotingGrm voting = voting(16, 0, 0.3);
            MetaVoteResult result = MetaGuidedVoting.builder(voting, scripted((index, sample) -> 1.0 - index / 100.0))
                    .kMeta(14).build().guide(REQUEST);

            assertThat(result.plain().validSamples()).isLessThan(16);
            assertThat(result.samples()).filteredOn(sample -> !sample.judgement().isScored()).isNotEmpty()
                    .allSatisfy(sample -> {
                        assertThat(sample.metaScore()).isNaN();
                        assertThat(sample.voted()).isFalse();
                    });
        }

        @Test
        void the_guided_vote_can_differ_from_the_plain_one_on_the_same_samples() {
            // The meta RM trusts exactly the samples that put response 1 on top.
            VotingGrm voting = voting(16, 0, 0);
            MetaRewardModel contrarian = scripted((index, sample) -> sample.scores().get(1) > sample.scores().get(0) ? 1.0 : 0.0);

            MetaVoteResult result = MetaGuidedVoting.builder(voting, contrarian).kMeta(3).build().guide(REQUEST);

            assertThat(result.plain().best()).isEqualTo(0);
            assertThat(result.best()).isEqualTo(1);
            assertThat(result.voters()).allSatisfy(sample ->
                    assertThat(sample.judgement().scores().get(1)).isGreaterThan(sample.judgement().scores().get(0)));
        }
    }

    @Nested
    class PlainVotingEquivalence {

        @Test
        void k_meta_equal_to_k_is_exactly_plain_voting() {
            for (int item = 0; item < 30; item++) {
                List<String> responses = List.of("A" + item + " first answer", "B" + item + " second answer",
                        "C" + item + " third answer");
                GrmRequest request = GrmRequest.of("Question " + item + "?", responses);
                SimulatedJudge judge = SimulatedJudge.builder().carelessRate(0.5).malformedRate(0.1)
                        .groundTruth(GroundTruth.create().register(responses, item % 3)).build();
                VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(8).seed(item).build();
                MetaRewardModel meta = scripted((index, sample) -> (double) (index % 3));

                MetaVoteResult guided = MetaGuidedVoting.builder(voting, meta).kMeta(8).build().guide(request);
                VoteResult plain = voting.vote(request);

                assertThat(guided.vote()).isSameAs(guided.plain());
                assertThat(guided.vote().status()).isEqualTo(plain.status());
                if (plain.isVoted()) {
                    assertThat(guided.vote().totals()).isEqualTo(plain.totals());
                    assertThat(guided.best()).isEqualTo(plain.best());
                    assertThat(guided.vote().tieBroken()).isEqualTo(plain.tieBroken());
                    assertThat(guided.voters()).hasSize(plain.validSamples());
                }
            }
        }

        @Test
        void a_plain_vote_without_quorum_has_no_guided_verdict_and_the_meta_rm_is_not_asked() {
            VotingGrm voting = voting(8, 0, 1.0);
            List<Integer> asked = new ArrayList<>();
            MetaRewardModel meta = scripted((index, sample) -> {
                asked.add(index);
                return 1.0;
            });

            MetaVoteResult result = MetaGuidedVoting.builder(voting, meta).build().guide(REQUEST);

            assertThat(result.plain().status()).isEqualTo(VoteStatus.NO_QUORUM);
            assertThat(result.isVoted()).isFalse();
            assertThat(result.fallback()).hasValueSatisfying(reason -> assertThat(reason).contains("NO_QUORUM"));
            assertThat(asked).isEmpty();
        }
    }

    @Nested
    class AsAVotingModel {

        final MetaRewardModel contrarian = scripted((index, sample) ->
                sample.scores().get(1) > sample.scores().get(0) ? 1.0 : 0.0);

        @Test
        void its_vote_is_the_deciding_vote_of_the_guided_result() {
            VotingGrm voting = voting(16, 0, 0);
            VotingGrm guided = MetaGuidedVoting.builder(voting, contrarian).kMeta(3).build();

            VoteResult vote = guided.vote(REQUEST);
            MetaVoteResult full = ((MetaGuidedVoting) guided).guide(REQUEST);

            assertThat(vote.best()).isEqualTo(full.best()).isEqualTo(1);
            assertThat(vote.totals()).isEqualTo(full.vote().totals());
            assertThat(vote.validSamples()).isEqualTo(3);
            assertThat(voting.vote(REQUEST).best()).as("the plain vote over the same samples").isEqualTo(0);
        }

        @Test
        void a_batch_gives_each_requests_deciding_vote_in_order_and_a_bad_request_stays_a_result() {
            VotingGrm voting = voting(16, 0, 0);
            VotingGrm guided = MetaGuidedVoting.builder(voting, contrarian).kMeta(3).build();
            List<GrmRequest> requests = new ArrayList<>();
            requests.add(REQUEST);
            requests.add(null);

            List<VoteResult> results = guided.voteAll(requests);

            assertThat(results).hasSize(2);
            assertThat(results.get(0).best()).isEqualTo(1);
            assertThat(results.get(0).validSamples()).isEqualTo(3);
            assertThat(results.get(1).status()).isEqualTo(VoteStatus.INVALID_REQUEST);
            assertThat(results.get(1).failure()).hasValue("requests[1] is null");
        }

        @Test
        void cancelling_a_guided_vote_cancels_its_samples_still_queued() throws Exception {
            // One call at a time: the first sample is held by the judge, the other three wait for a permit.
            List<CompletableFuture<Completion>> held = new CopyOnWriteArrayList<>();
            LlmBackend judge = new LlmBackend() {
                @Override
                public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
                    CompletableFuture<Completion> call = new CompletableFuture<>();
                    held.add(call);
                    return call;
                }

                @Override
                public String modelName() {
                    return "held";
                }
            };
            VotingGrm voting = VotingGrm.builder(PointwiseGrm.builder(judge).build()).k(4).maxConcurrency(1).build();
            MetaGuidedVoting guided = MetaGuidedVoting.builder(voting, contrarian).build();

            CompletableFuture<VoteResult> vote = guided.voteAsync(REQUEST);
            awaitTrue(() -> held.size() == 1);
            vote.cancel(false);
            held.get(0).complete(ScriptedBackend.reply(ScriptedBackend.output(8, 3)));

            // Were the queued samples still waiting, the permit would pass to the next one, held forever.
            awaitTrue(() -> voting.inFlight() == 0);
            assertThat(held).as("calls sent").hasSize(1);
            assertThat(vote).isCancelled();
        }

        private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (!condition.getAsBoolean()) {
                assertThat(System.nanoTime()).as("condition met within 10 s").isLessThan(deadline);
                Thread.sleep(1);
            }
        }

        @Test
        void the_judge_the_k_and_the_revote_are_the_wrapped_voting_models() {
            VotingGrm voting = voting(8, 0, 0);
            MetaGuidedVoting guided = MetaGuidedVoting.builder(voting, contrarian).build();
            VoteResult plain = voting.vote(REQUEST);

            assertThat(guided.grm()).isSameAs(voting.grm());
            assertThat(guided.k()).isEqualTo(8);
            assertThat(guided.revote(REQUEST, plain.samples(), plain.quorum()).totals()).isEqualTo(plain.totals());
        }
    }
}
