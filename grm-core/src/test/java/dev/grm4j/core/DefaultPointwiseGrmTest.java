package dev.grm4j.core;

import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.internal.Fences;
import dev.grm4j.core.testing.ScriptedBackend;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DefaultPointwiseGrmTest {

    /** Scores each shown response by its length, so the right answer is known for any order. */
    private static final ScriptedBackend LENGTH_JUDGE = ScriptedBackend.answering(call -> {
        List<String> shown = Fences.extract(call.messages().get(1).content());
        return new Completion(ScriptedBackend.output(shown.stream().mapToInt(String::length).toArray()),
                TokenUsage.of(120, 40), FinishReason.STOP);
    });

    @Test
    void a_scored_judgement_carries_principles_critique_scores_and_usage() {
        PointwiseGrm grm = PointwiseGrm.builder(ScriptedBackend.replying(ScriptedBackend.output(8, 3))).build();

        Judgement judgement = grm.judge(GrmRequest.of("2+2?", "4", "5"), SamplingOptions.greedy());

        assertThat(judgement.outcome()).isEqualTo(Outcome.SCORED);
        assertThat(judgement.scores()).containsExactly(8, 3);
        assertThat(judgement.principles()).extracting(Principle::weight).containsExactly(0.6, 0.4);
        assertThat(judgement.critique()).contains("checked against the criteria");
        assertThat(judgement.usage()).isEqualTo(TokenUsage.of(100, 20));
        assertThat(judgement.order()).containsExactly(0, 1);
        assertThat(judgement.failure()).isEmpty();
    }

    @Test
    void scores_are_mapped_back_to_the_request_order_under_every_permutation() {
        PointwiseGrm grm = PointwiseGrm.builder(LENGTH_JUDGE).build();
        GrmRequest request = GrmRequest.of("q", "a", "bbbbbb", "ccc", "dddddddd");
        SplittableRandom random = new SplittableRandom(3);

        for (int trial = 0; trial < 200; trial++) {
            List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3));
            Collections.shuffle(order, new java.util.Random(random.nextLong()));

            Judgement judgement = grm.judge(request, SamplingOptions.greedy(), order);

            assertThat(judgement.scores()).containsExactly(1, 6, 3, 8);
            assertThat(judgement.order()).isEqualTo(order);
            assertThat(judgement.presentedScores())
                    .isEqualTo(order.stream().map(i -> request.responses().get(i).length()).toList());
        }
    }

    @Test
    void finish_reason_length_is_truncated_even_when_a_box_is_present() {
        ScriptedBackend cutOff = ScriptedBackend.answering(call ->
                new Completion(ScriptedBackend.output(9, 1), TokenUsage.of(10, 64), FinishReason.LENGTH));

        Judgement judgement = PointwiseGrm.builder(cutOff).build()
                .judge(GrmRequest.of("q", "a", "b"), SamplingOptions.greedy().withMaxOutputTokens(64));

        assertThat(judgement.outcome()).isEqualTo(Outcome.TRUNCATED);
        assertThat(judgement.failure()).get().asString().contains("maxOutputTokens 64");
        assertThat(judgement.rawOutput()).contains("boxed");
        assertThatThrownBy(judgement::scores).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("TRUNCATED");
    }

    @Test
    void an_unreadable_answer_is_unparseable_with_the_parsers_reason() {
        Judgement judgement = PointwiseGrm.builder(ScriptedBackend.replying(ScriptedBackend.output(8, 3, 5))).build()
                .judge(GrmRequest.of("q", "a", "b"), SamplingOptions.greedy());

        assertThat(judgement.outcome()).isEqualTo(Outcome.UNPARSEABLE);
        assertThat(judgement.failure()).get().asString().startsWith("expected 2 scores, found 3");
        assertThat(judgement.principles()).isEmpty();
    }

    @Test
    void a_backend_failure_is_a_typed_outcome_carrying_the_cause() {
        BackendException boom = new BackendException("HTTP 500: boom", null, true, OptionalInt.of(500),
                Optional.empty());
        ScriptedBackend failing = ScriptedBackend.answering(call -> {
            throw boom;
        });
        PointwiseGrm grm = PointwiseGrm.builder(failing).build();

        Judgement sync = grm.judge(GrmRequest.of("q", "a"), SamplingOptions.greedy());
        Judgement async = grm.judgeAsync(GrmRequest.of("q", "a"), SamplingOptions.greedy(), List.of(0)).join();

        for (Judgement judgement : List.of(sync, async)) {
            assertThat(judgement.outcome()).isEqualTo(Outcome.BACKEND_ERROR);
            assertThat(judgement.cause()).containsSame(boom);
            assertThat(judgement.failure()).hasValue("HTTP 500: boom");
        }
    }

    @Test
    void an_async_failure_is_unwrapped_to_its_cause() {
        RuntimeException boom = new IllegalStateException("connection reset");
        // A CompletionException around the cause, as supplyAsync and HTTP clients' async paths deliver it.
        LlmBackend failingLater = ScriptedBackend.answering(Duration.ZERO, request -> {
            throw new CompletionException(boom);
        });

        Judgement judgement = PointwiseGrm.builder(failingLater).build()
                .judgeAsync(GrmRequest.of("q", "a"), SamplingOptions.greedy(), List.of(0)).join();

        assertThat(judgement.cause()).containsSame(boom);
        assertThat(judgement.failure()).hasValue("connection reset");
    }

    @Test
    void supplied_principles_stand_in_when_the_model_does_not_restate_them() {
        String noCriteria = "Analysis:\nBoth fine.\n\nScores: \\boxed{6, 7}";
        PointwiseGrm grm = PointwiseGrm.builder(ScriptedBackend.replying(noCriteria)).build();
        GrmRequest request = GrmRequest.builder().query("q").responses("a", "b")
                .principles(List.of(new Principle("Correct", 3), new Principle("Short", 1))).build();

        Judgement judgement = grm.judge(request, SamplingOptions.greedy());

        assertThat(judgement.scores()).containsExactly(6, 7);
        assertThat(judgement.principles()).containsExactly(new Principle("Correct", 0.75), new Principle("Short", 0.25));
        assertThat(grm.judge(GrmRequest.of("q", "a", "b"), SamplingOptions.greedy()).outcome())
                .isEqualTo(Outcome.UNPARSEABLE);
    }

    @Test
    void more_responses_than_the_maximum_are_rejected_before_any_call() {
        ScriptedBackend backend = ScriptedBackend.replying(ScriptedBackend.output(1, 2, 3));
        PointwiseGrm grm = PointwiseGrm.builder(backend).maxResponses(2).build();

        assertThatIllegalArgumentException().isThrownBy(() -> grm.judge(GrmRequest.of("q", "a", "b", "c"),
                SamplingOptions.greedy())).withMessage("responses has 3 items, more than maxResponses 2");
        assertThat(backend.calls()).isEmpty();
    }

    @Test
    void the_reward_is_one_greedy_sample_with_the_best_response() {
        ScriptedBackend backend = ScriptedBackend.replying(ScriptedBackend.output(4, 9, 2));

        Reward reward = PointwiseGrm.builder(backend).build().reward(GrmRequest.of("q", "a", "b", "c"));

        assertThat(reward.scores()).containsExactly(4, 9, 2);
        assertThat(reward.best()).isEqualTo(1);
        assertThat(reward.tieBroken()).isFalse();
        assertThat(backend.calls()).singleElement()
                .satisfies(call -> assertThat(call.sampling().temperature()).isZero());
    }

    @Test
    void a_tied_reward_is_broken_by_a_seeded_draw_that_varies_with_the_seed() {
        ScriptedBackend backend = ScriptedBackend.replying(ScriptedBackend.output(7, 7, 7, 7));
        GrmRequest request = GrmRequest.of("q", "a", "b", "c", "d");

        List<Integer> bests = IntStream.range(0, 40)
                .mapToObj(seed -> PointwiseGrm.builder(backend).seed(seed).build().reward(request))
                .peek(reward -> assertThat(reward.tieBroken()).isTrue())
                .map(Reward::best).toList();
        int again = PointwiseGrm.builder(backend).seed(5).build().reward(request).best();

        assertThat(bests).containsOnly(0, 1, 2, 3).contains(0, 1, 2, 3);
        assertThat(again).isEqualTo(bests.get(5));
    }

    @Test
    void a_failed_reward_throws_with_the_judgement() {
        PointwiseGrm grm = PointwiseGrm.builder(ScriptedBackend.replying("I cannot decide.")).build();

        assertThatThrownBy(() -> grm.reward(GrmRequest.of("q", "a", "b")))
                .isInstanceOfSatisfying(JudgementFailedException.class, e -> {
                    assertThat(e.judgement().outcome()).isEqualTo(Outcome.UNPARSEABLE);
                    assertThat(e.judgement().rawOutput()).isEqualTo("I cannot decide.");
                })
                .hasMessageStartingWith("judgement UNPARSEABLE: ");
    }

    @Test
    void latency_is_measured_with_the_ticker() {
        AtomicLong now = new AtomicLong();
        ScriptedBackend slow = ScriptedBackend.answering(call -> {
            now.addAndGet(Duration.ofMillis(1500).toNanos());
            return new Completion(ScriptedBackend.output(5), TokenUsage.ZERO, FinishReason.STOP);
        });

        Judgement judgement = PointwiseGrm.builder(slow).ticker(now::get).build()
                .judge(GrmRequest.of("q", "a"), SamplingOptions.greedy());

        assertThat(judgement.latency()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void sampling_options_reach_the_backend() {
        ScriptedBackend backend = ScriptedBackend.replying(ScriptedBackend.output(5, 6));
        SamplingOptions sampling = SamplingOptions.sampled(0.5).withSeed(99).withMaxOutputTokens(777);

        PointwiseGrm.builder(backend).build().judge(GrmRequest.of("q", "a", "b"), sampling);

        assertThat(backend.calls()).singleElement().satisfies(call -> assertThat(call.sampling()).isEqualTo(sampling));
    }

    @Test
    void each_call_tells_the_backend_the_responses_as_presented_the_score_range_and_the_requests_affinity() {
        ScriptedBackend judge = ScriptedBackend.scoring(shown -> shown.stream().map(response -> 3).toList());
        PointwiseGrm grm = PointwiseGrm.builder(judge).scoreRange(ScoreRange.of(0, 4)).build();
        GrmRequest request = GrmRequest.of("q", "zero", "one", "two");

        grm.judgeAsync(request, SamplingOptions.greedy(), List.of(2, 0, 1)).join();
        grm.judgeAsync(request, SamplingOptions.greedy(), List.of(0, 1, 2)).join();
        grm.judgeAsync(GrmRequest.of("another q", "zero", "one", "two"), SamplingOptions.greedy(), List.of(0, 1, 2)).join();

        CompletionRequest call = judge.calls().get(0);
        assertThat(call.output()).contains(new CompletionRequest.OutputSpec(List.of("two", "zero", "one"),
                ScoreRange.of(0, 4)));
        assertThat(call.n()).isEqualTo(1);
        assertThat(Fences.extract(ScriptedBackend.userText(call))).isEqualTo(call.output().get().responses());
        assertThat(call.affinity()).as("one key for every sample of a request").isPresent()
                .isEqualTo(judge.calls().get(1).affinity());
        assertThat(judge.calls().get(2).affinity()).isNotEqualTo(call.affinity());
    }

    @Test
    void n_samples_from_a_backend_without_native_n_are_n_calls_each_seeded_as_its_choice() {
        ScriptedBackend judge = ScriptedBackend.scoring(shown -> shown.stream().map(response -> 3).toList());
        PointwiseGrm grm = PointwiseGrm.builder(judge).build();
        SamplingOptions sampling = SamplingOptions.sampled(0.5).withSeed(41);

        List<Judgement> samples = grm.judgeAllAsync(GrmRequest.of("q", "a", "b"), sampling, List.of(1, 0), 3).join();

        assertThat(samples).hasSize(3).allSatisfy(sample -> assertThat(sample.isScored()).isTrue());
        assertThat(judge.calls()).extracting(call -> call.sampling().seed().getAsLong())
                .containsExactly(41L, dev.grm4j.core.internal.Seeds.choice(41, 1),
                        dev.grm4j.core.internal.Seeds.choice(41, 2));
        assertThat(judge.calls()).allSatisfy(call -> assertThat(call.n()).isEqualTo(1));
        assertThat(grm.samplesInOneCall()).isFalse();
    }

    @Test
    void a_judgement_carries_the_size_of_the_prompt_it_was_judged_on() {
        PointwiseGrm grm = PointwiseGrm.builder(ScriptedBackend.replying(ScriptedBackend.output(8, 3))).build();
        GrmRequest request = GrmRequest.of("2+2?", "4", "5");

        Judgement judgement = grm.judge(request, SamplingOptions.greedy(), List.of(1, 0));

        Judgement.PromptSize rendered = grm.template().render(request, List.of(1, 0), grm.scoreRange()).size();
        assertThat(judgement.promptSize()).contains(rendered);
        assertThat(rendered.sharedPrefixChars()).isPositive().isLessThan(rendered.totalChars());
    }
}
