package dev.grm4j.principles;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.JudgementFailedException;
import dev.grm4j.core.Outcome;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.Principle;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.testing.ScriptedBackend;
import dev.grm4j.voting.RetryPolicy;
import dev.grm4j.voting.VoteResult;
import dev.grm4j.voting.VotingGrm;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrincipledGrmTest {

    private static final GrmRequest PAIR = GrmRequest.of("What is 2 + 2?", "It is 4.", "It is 5.");

    /** Principle calls get principles; judge calls score the response containing "4" highest. */
    private static Completion answer(CompletionRequest call) {
        if (!ScriptedBackend.isJudgeCall(call)) {
            return ScriptedBackend.reply(PrincipleAnswers.principlesFor(call));
        }
        return ScriptedBackend.reply(ScriptedBackend.output(ScriptedBackend.shown(call).stream()
                .map(response -> response.contains("4") ? 9 : 3).toList()));
    }

    private static ScriptedBackend backend(Duration latency) {
        return ScriptedBackend.answering(latency, PrincipledGrmTest::answer);
    }

    private static ScriptedBackend backend(Function<CompletionRequest, Completion> principleCalls) {
        return ScriptedBackend.answering(call -> ScriptedBackend.isJudgeCall(call) ? answer(call)
                : principleCalls.apply(call));
    }

    @Test
    void shows_the_judge_the_strategys_principles() {
        ScriptedBackend backend = backend(Duration.ZERO);
        PointwiseGrm grm = PrincipledGrm.of(PointwiseGrm.builder(backend).build(), PrincipleStrategy.preset("math"));

        Judgement judgement = grm.judge(PAIR, SamplingOptions.greedy());

        assertThat(judgement.scores()).containsExactly(9, 3);
        String prompt = ScriptedBackend.userText(backend.calls().get(0));
        assertThat(prompt).contains("Specific criteria to use:\n1. Final answer (45%): The final answer is correct");
        assertThat(backend.calls().get(0).messages().get(0).content())
                .contains("Use the specific criteria given with the query");
    }

    @Test
    void leaves_the_prompt_untouched_when_principles_are_self_generated() {
        ScriptedBackend plainBackend = backend(Duration.ZERO);
        ScriptedBackend selfBackend = backend(Duration.ZERO);

        PointwiseGrm.builder(plainBackend).build().judge(PAIR, SamplingOptions.greedy());
        PrincipledGrm.of(PointwiseGrm.builder(selfBackend).build(), PrincipleStrategy.selfGenerated())
                .judge(PAIR, SamplingOptions.greedy());

        assertThat(selfBackend.calls()).singleElement()
                .isEqualTo(plainBackend.calls().get(0));
    }

    @Test
    void keeps_the_principles_a_request_brings_and_asks_the_strategy_nothing() {
        ScriptedBackend backend = backend(Duration.ZERO);
        PrincipledGrm grm = PrincipledGrm.of(PointwiseGrm.builder(backend).build(),
                PrincipleStrategy.generatedOnce(backend, 10));
        GrmRequest own = PAIR.toBuilder().principles(List.of(Principle.of("Be exact"))).build();

        grm.judge(own, SamplingOptions.greedy());

        assertThat(backend.principleCalls()).isEmpty();
        assertThat(ScriptedBackend.userText(backend.calls().get(0))).contains("1. Be exact (100%)");
        assertThat(grm.strategy().stats().calls()).isZero();
    }

    @Test
    void votes_k_samples_and_g_rollouts_against_one_principle_call() {
        // given a voting model over a judge whose principles are generated once per prompt
        ScriptedBackend backend = backend(Duration.ofMillis(50));
        PrincipleStrategy once = PrincipleStrategy.generatedOnce(backend, 100);
        VotingGrm voting = VotingGrm.builder(PrincipledGrm.of(PointwiseGrm.builder(backend).build(), once))
                .k(8).seed(7).build();
        List<GrmRequest> rollouts = List.of(PAIR,
                GrmRequest.of("What is 2 + 2?", "4", "22"),
                GrmRequest.of("What is 2 + 2?", "Four, i.e. 4.", "Five."),
                GrmRequest.of("What is 2 + 2?", "It's 3.", "It's 4."));

        // when four rollouts of one RL prompt are voted at once
        List<VoteResult> results = voting.voteAll(rollouts);

        // then one principle call served all 32 samples, and every judge saw the same principles
        assertThat(results).allSatisfy(result -> assertThat(result.isVoted()).isTrue());
        assertThat(results).extracting(VoteResult::best).containsExactly(0, 0, 0, 1);
        assertThat(backend.principleCalls()).hasSize(1);
        assertThat(backend.judgeCalls()).hasSize(32);
        String principles = PrincipleAnswers.principlesFor(backend.principleCalls().get(0));
        String firstLine = principles.lines().skip(1).findFirst().orElseThrow().substring(3);
        assertThat(backend.judgeCalls()).allSatisfy(call -> assertThat(ScriptedBackend.userText(call))
                .contains("Specific criteria to use:\n1. " + firstLine));
        assertThat(once.stats().reused()).isEqualTo(31);
    }

    @Test
    void fails_the_judgement_as_a_retriable_backend_error_when_the_principle_call_fails_and_voting_retries_it() {
        AtomicInteger principleCalls = new AtomicInteger();
        ScriptedBackend backend = backend(call -> {
            if (principleCalls.getAndIncrement() < 2) {
                throw new BackendException("HTTP 429", null, true, OptionalInt.of(429), Optional.empty());
            }
            return ScriptedBackend.reply(PrincipleAnswers.principlesFor(call));
        });
        PrincipledGrm grm = PrincipledGrm.of(PointwiseGrm.builder(backend).build(),
                PrincipleStrategy.generatedOnce(backend, 10));

        Judgement failed = grm.judge(PAIR, SamplingOptions.greedy());

        assertThat(failed.outcome()).isEqualTo(Outcome.BACKEND_ERROR);
        assertThat(failed.failure()).contains("principle generation failed: HTTP 429");
        assertThat(failed.cause()).containsInstanceOf(BackendException.class);
        BackendException cause = (BackendException) failed.cause().orElseThrow();
        assertThat(cause.isRetriable()).isTrue();
        assertThat(cause.statusCode()).hasValue(429);
        assertThat(backend.judgeCalls()).as("no judge call without principles").isEmpty();

        // the next principle call fails too, and the vote's samples retry it: failures are not cached
        VoteResult vote = VotingGrm.builder(grm).k(4).retry(new RetryPolicy(2, Duration.ofMillis(1),
                Duration.ofMillis(1), 0)).build().vote(PAIR);
        assertThat(vote.isVoted()).isTrue();
        assertThat(vote.validSamples()).isEqualTo(4);
        assertThat(backend.principleCalls()).hasSize(3);
    }

    @Test
    void fails_the_judgement_as_unparseable_when_the_principle_answer_holds_none() {
        ScriptedBackend backend = backend(call -> ScriptedBackend.reply("Happy to help!"));
        PrincipledGrm grm = PrincipledGrm.of(PointwiseGrm.builder(backend).build(),
                PrincipleStrategy.generatedOnce(backend, 10));

        Judgement sync = grm.judge(PAIR, SamplingOptions.greedy(), List.of(1, 0));
        Judgement async = grm.judgeAsync(PAIR, SamplingOptions.greedy(), List.of(1, 0)).join();

        for (Judgement judgement : List.of(sync, async)) {
            assertThat(judgement.outcome()).isEqualTo(Outcome.UNPARSEABLE);
            assertThat(judgement.failure())
                    .contains("principle generation failed: no principles under 'Specific Criteria'");
            assertThat(judgement.rawOutput()).isEqualTo("Happy to help!");
            assertThat(judgement.order()).containsExactly(1, 0);
        }
        assertThatThrownBy(() -> grm.reward(PAIR))
                .isInstanceOfSatisfying(JudgementFailedException.class, e ->
                        assertThat(e.judgement().outcome()).isEqualTo(Outcome.UNPARSEABLE));
        assertThat(backend.judgeCalls()).isEmpty();
    }

    @Test
    void judges_asynchronously_with_the_principles_attached() {
        ScriptedBackend backend = backend(Duration.ofMillis(20));
        PrincipledGrm grm = PrincipledGrm.of(PointwiseGrm.builder(backend).build(),
                PrincipleStrategy.generatedOnce(backend, 10));

        Judgement judgement = grm.judgeAsync(PAIR, SamplingOptions.greedy(), List.of(1, 0)).join();

        assertThat(judgement.scores()).containsExactly(9, 3);
        assertThat(judgement.order()).containsExactly(1, 0);
        assertThat(backend.principleCalls()).hasSize(1);
        assertThat(ScriptedBackend.userText(backend.judgeCalls().get(0))).contains("Specific criteria to use:");
    }

    @Test
    void rejects_a_bad_order_before_any_call() {
        ScriptedBackend backend = backend(Duration.ZERO);
        PrincipledGrm grm = PrincipledGrm.of(PointwiseGrm.builder(backend).build(),
                PrincipleStrategy.generatedOnce(backend, 10));

        assertThatThrownBy(() -> grm.judge(PAIR, SamplingOptions.greedy(), List.of(0, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("order must be a permutation of 0..1, was [0, 0]");
        assertThatThrownBy(() -> grm.judgeAsync(PAIR, SamplingOptions.greedy(), List.of(0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(backend.calls()).isEmpty();
    }

    @Test
    void rewards_with_the_principles_attached() {
        ScriptedBackend backend = backend(Duration.ZERO);
        PrincipledGrm grm = PrincipledGrm.of(PointwiseGrm.builder(backend).build(), PrincipleStrategy.preset("general"));

        assertThat(grm.reward(PAIR).best()).isZero();
        assertThat(ScriptedBackend.userText(backend.calls().get(0))).contains("Instruction adherence (30%)");
    }
}
