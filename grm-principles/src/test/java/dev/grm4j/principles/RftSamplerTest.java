package dev.grm4j.principles;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Message;
import dev.grm4j.core.ScoreRange;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.prompt.PromptTemplate;
import dev.grm4j.core.testing.GroundTruth;
import dev.grm4j.core.testing.ScriptedBackend;
import dev.grm4j.core.testing.SimulatedJudge;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The script: each item's query says how its samples go, call by call ("CCW": first two correct, third
 * wrong). C scores the best response (the one starting with "BEST") strictly highest, W scores another
 * one highest, T ties the best at the top, X writes no verdict, L is correct but mentions the hint, E is
 * a backend error. The hinted sample follows the letter after "|" (or C when there is none).
 */
class RftSamplerTest {

    private final Map<String, AtomicInteger> callsByQuery = new ConcurrentHashMap<>();

    private Completion script(CompletionRequest call) {
        String user = ScriptedBackend.userText(call);
        String query = user.lines().skip(1).findFirst().orElseThrow();
        String plan = query.substring(query.indexOf('[') + 1, query.indexOf(']'));
        boolean hinted = user.contains("\nHint: response ");
        char step;
        if (hinted) {
            step = plan.contains("|") ? plan.charAt(plan.indexOf('|') + 1) : 'C';
        } else {
            int index = callsByQuery.computeIfAbsent(query, key -> new AtomicInteger()).getAndIncrement();
            step = plan.charAt(index);
        }
        List<String> shown = ScriptedBackend.shown(call);
        int best = -1;
        for (int p = 0; p < shown.size(); p++) {
            best = shown.get(p).startsWith("BEST") ? p : best;
        }
        int other = best == 0 ? 1 : 0;
        Integer[] scores = new Integer[shown.size()];
        java.util.Arrays.fill(scores, 4);
        switch (step) {
            case 'C', 'L' -> scores[best] = 9;
            case 'W' -> scores[other] = 9;
            case 'T' -> {
                scores[best] = 9;
                scores[other] = 9;
            }
            case 'X' -> {
                return ScriptedBackend.reply("Both look fine to me.");
            }
            case 'E' -> throw new BackendException("HTTP 500", null, true, OptionalInt.of(500), Optional.empty());
            default -> throw new IllegalArgumentException("bad step " + step);
        }
        String text = ScriptedBackend.output(List.of(scores));
        return ScriptedBackend.reply(step == 'L' ? text.replace(ScriptedBackend.CRITIQUE, "As the hint says, it is best.")
                : text);
    }

    private static GrmRequest item(String plan) {
        return GrmRequest.of("Which is right? [" + plan + "]", "plain answer", "BEST answer", "weak answer");
    }

    private RftSampler sampler(ScriptedBackend backend, boolean hinted) {
        return RftSampler.builder(backend).n(3).hinted(hinted).seed(11).build();
    }

    @Test
    void keeps_the_correct_samples_of_an_item_that_is_neither_too_easy_nor_too_hard() {
        ScriptedBackend backend = ScriptedBackend.answering(this::script);
        GrmRequest request = item("CTW");

        RftSampler.Result result = sampler(backend, false).sample(request, 1);

        assertThat(result.sampled()).isEqualTo(3);
        assertThat(result.accepted()).hasSize(1);
        assertThat(result.rejectedWrong()).as("a tie at the top and a wrong winner").isEqualTo(2);
        assertThat(result.rejectedTooEasy()).isZero();
        assertThat(result.failed()).isZero();
        assertThat(result.hintedAccepted()).isFalse();
        assertThat(backend.calls()).hasSize(3);
    }

    @Test
    void drops_an_item_whose_samples_are_all_correct_and_draws_no_hinted_sample_for_it() {
        ScriptedBackend backend = ScriptedBackend.answering(this::script);

        RftSampler.Result result = sampler(backend, true).sample(item("CCC"), 1);

        assertThat(result.tooEasy()).isTrue();
        assertThat(result.accepted()).isEmpty();
        assertThat(result.sampled()).isEqualTo(3);
        assertThat(result.rejectedTooEasy()).isEqualTo(3);
        assertThat(backend.calls()).hasSize(3);
    }

    @Test
    void adds_a_correct_hinted_sample_without_its_hint() {
        ScriptedBackend backend = ScriptedBackend.answering(this::script);
        GrmRequest request = item("WWC");

        RftSampler.Result result = sampler(backend, true).sample(request, 1);

        assertThat(result.sampled()).isEqualTo(4);
        assertThat(result.accepted()).hasSize(2);
        assertThat(result.rejectedWrong()).isEqualTo(2);
        assertThat(result.hintedAccepted()).isTrue();
        RftSampler.Example hinted = result.accepted().get(1);
        assertThat(hinted.hinted()).isTrue();
        assertThat(hinted.sample()).isEqualTo(3);
        // the judge saw the hint, naming where the best response was shown ...
        CompletionRequest hintedCall = backend.calls().get(3);
        int position = hinted.order().indexOf(1) + 1;
        assertThat(ScriptedBackend.userText(hintedCall)).endsWith("\n\nHint: response " + position + " is the best one.");
        // ... and the example holds the prompt without it: exactly the template's rendering
        List<Message> rendered = PromptTemplate.defaultTemplate().render(request, hinted.order(), ScoreRange.DEFAULT)
                .messages();
        assertThat(hinted.messages().subList(0, 2)).isEqualTo(rendered);
        assertThat(hinted.messages()).extracting(Message::content).noneMatch(content -> content.contains("Hint:"));
    }

    @Test
    void records_the_exact_prompt_and_the_trajectory_of_every_kept_sample() {
        ScriptedBackend backend = ScriptedBackend.answering(this::script);
        GrmRequest request = item("CWC");

        RftSampler.Result result = sampler(backend, false).sample(request, 1);

        assertThat(result.accepted()).hasSize(2);
        assertThat(result.accepted()).extracting(RftSampler.Example::sample).isSorted();
        for (RftSampler.Example example : result.accepted()) {
            assertThat(example.messages()).extracting(Message::role)
                    .containsExactly(Message.Role.SYSTEM, Message.Role.USER, Message.Role.ASSISTANT);
            assertThat(backend.calls()).as("the judge was shown exactly this prompt")
                    .anySatisfy(call -> assertThat(call.messages()).isEqualTo(example.messages().subList(0, 2)));
            assertThat(example.trajectory()).startsWith("Specific Criteria:");
            assertThat(SpctReward.of(example.trajectory(), 3, example.order().indexOf(1))).isEqualTo(SpctReward.CORRECT);
        }
        assertThat(backend.calls()).extracting(call -> call.sampling().temperature()).containsOnly(0.5);
        assertThat(backend.calls()).extracting(call -> call.sampling().seed().isPresent()).containsOnly(true);
        assertThat(backend.calls()).extracting(call -> call.sampling().seed().getAsLong()).doesNotHaveDuplicates();
    }

    @Test
    void rejects_unreadable_and_failed_samples_as_wrong_and_counts_them() {
        ScriptedBackend backend = ScriptedBackend.answering(this::script);

        RftSampler.Result result = sampler(backend, true).sample(item("XEW|X"), 1);

        assertThat(result.sampled()).isEqualTo(4);
        assertThat(result.accepted()).isEmpty();
        assertThat(result.rejectedWrong()).isEqualTo(4);
        assertThat(result.failed()).isEqualTo(3);
    }

    @Test
    void drops_a_hinted_sample_that_mentions_the_hint() {
        ScriptedBackend backend = ScriptedBackend.answering(this::script);

        RftSampler.Result result = sampler(backend, true).sample(item("WWW|L"), 1);

        assertThat(result.accepted()).isEmpty();
        assertThat(result.rejectedHintLeak()).isEqualTo(1);
        assertThat(result.hintedAccepted()).isFalse();
        assertThat(result.sampled()).isEqualTo(result.accepted().size() + result.rejectedWrong()
                + result.rejectedTooEasy() + result.rejectedHintLeak());
    }

    @Test
    void judges_a_single_response_by_its_labelled_score() {
        ScriptedBackend backend = ScriptedBackend.answering(call -> ScriptedBackend.reply(
                ScriptedBackend.output(List.of(call.sampling().seed().getAsLong() % 2 == 0 ? 7 : 6))));
        GrmRequest single = GrmRequest.of("Rate this haiku.", "Rain taps the window");

        RftSampler.Result result = RftSampler.builder(backend).n(8).seed(3).build().sample(single, 7);

        assertThat(result.accepted()).allSatisfy(example -> assertThat(example.trajectory()).endsWith("\\boxed{7}"));
        assertThat(result.accepted().size() + result.rejectedWrong() + result.rejectedTooEasy()).isEqualTo(8);
    }

    @Test
    void gives_the_same_data_for_the_same_seed_from_a_deterministic_judge() {
        GrmRequest request = GrmRequest.of("What is 6 x 7?", "42", "48", "36");
        GroundTruth truth = GroundTruth.create().register(request.responses(), 0);
        SimulatedJudge judge = SimulatedJudge.builder().groundTruth(truth).accuracy(0.6).seed(5).build();

        RftSampler.Result first = RftSampler.builder(judge).n(6).hinted(true).seed(9).build().sample(request, 0);
        RftSampler.Result second = RftSampler.builder(judge).n(6).hinted(true).seed(9).build().sample(request, 0);

        assertThat(second).isEqualTo(first);
        assertThat(first.sampled()).isBetween(6, 7);
    }

    @Test
    void refuses_a_label_that_is_not_a_response_index() {
        RftSampler sampler = RftSampler.builder(ScriptedBackend.answering(call -> ScriptedBackend.reply("x"))).build();

        assertThatThrownBy(() -> sampler.sample(GrmRequest.of("Q?", "a", "b"), 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("label must be the best response's index in 0..1, was 2");
        assertThatThrownBy(() -> RftSampler.builder(ScriptedBackend.answering(call -> null)).n(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("n must be >= 1, was 0");
    }

    @Test
    void counts_a_sample_cut_off_by_the_budget_as_failed() {
        ScriptedBackend backend = ScriptedBackend.answering(call -> new Completion(
                ScriptedBackend.output(List.of(9, 4, 4)), TokenUsage.of(1, 1), FinishReason.LENGTH));

        RftSampler.Result result = RftSampler.builder(backend).n(2).build().sample(item("CC"), 1);

        assertThat(result.failed()).isEqualTo(2);
        assertThat(result.accepted()).isEmpty();
    }
}
