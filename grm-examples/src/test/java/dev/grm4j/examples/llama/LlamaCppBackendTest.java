package dev.grm4j.examples.llama;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Judgement;
import dev.grm4j.core.Message;
import dev.grm4j.core.Outcome;
import dev.grm4j.core.PointwiseGrm;
import dev.grm4j.core.SamplingOptions;
import dev.grm4j.core.ScoreRange;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.parse.GrmOutputParser;
import dev.grm4j.core.parse.ParseResult;
import dev.grm4j.core.prompt.PromptTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The real llama.cpp engine on a tiny random-weight model the test writes: whatever noise it
 * generates, the grammar makes it a GRM answer the project's parser accepts.
 */
class LlamaCppBackendTest {

    /** Enough for a grammar-complete answer; small enough that a call takes a second or two. */
    private static final int BUDGET = 320;

    @TempDir
    static Path dir;

    private static Path modelFile;
    private static LlamaCppBackend backend;

    @BeforeAll
    static void load() throws IOException {
        modelFile = RandomGguf.write(dir.resolve("tiny-random.gguf"), 42);
        backend = LlamaCppBackend.builder(modelFile).build();
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    @ParameterizedTest(name = "{0} responses")
    @ValueSource(ints = {1, 2, 4})
    void output_parses_with_exactly_n_scores_in_range(int n) {
        CompletionRequest request = grmRequest(n, ScoreRange.DEFAULT, SamplingOptions.sampled(0.5).withSeed(n)
                .withMaxOutputTokens(BUDGET));

        Completion completion = backend.complete(request);
        ParseResult result = GrmOutputParser.of(ScoreRange.DEFAULT).parse(completion.text(), n, true);

        assertThat(completion.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(result).isInstanceOf(ParseResult.Parsed.class);
        ParseResult.Parsed parsed = (ParseResult.Parsed) result;
        assertThat(parsed.scores()).hasSize(n).allSatisfy(score -> assertThat(score).isBetween(1, 10));
        assertThat(parsed.principles()).isNotEmpty();
        assertThat(completion.usage().inputTokens()).isGreaterThan(1000);
        assertThat(completion.usage().outputTokens()).isBetween(1L, (long) BUDGET);
    }

    @Test
    void greedy_output_fills_the_text_bounds_and_still_fits_the_budget() {
        CompletionRequest request = grmRequest(2, ScoreRange.DEFAULT, SamplingOptions.greedy().withMaxOutputTokens(BUDGET));

        Completion completion = backend.complete(request);

        assertThat(completion.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(GrmOutputParser.of(ScoreRange.DEFAULT).parse(completion.text(), 2, true))
                .isInstanceOf(ParseResult.Parsed.class);
        assertThat(completion.text()).hasSizeLessThanOrEqualTo(BUDGET);
    }

    @Test
    void the_scores_stay_in_the_range_the_call_asks_for() throws IOException {
        ScoreRange range = ScoreRange.of(-2, 2);
        try (LlamaCppBackend narrow = LlamaCppBackend.builder(modelFile).build()) {
            for (long seed = 0; seed < 3; seed++) {
                Completion completion = narrow.complete(grmRequest(3, range,
                        SamplingOptions.sampled(1.0).withSeed(seed).withMaxOutputTokens(BUDGET)));

                ParseResult result = GrmOutputParser.of(range).parse(completion.text(), 3, true);
                assertThat(result).isInstanceOf(ParseResult.Parsed.class);
                assertThat(((ParseResult.Parsed) result).scores()).allSatisfy(s -> assertThat(s).isBetween(-2, 2));
            }
        }
    }

    @Test
    void the_same_seed_gives_the_same_answer() {
        SamplingOptions sampling = SamplingOptions.sampled(0.8).withMaxOutputTokens(BUDGET);

        String first = backend.complete(grmRequest(2, ScoreRange.DEFAULT, sampling.withSeed(11))).text();
        String again = backend.complete(grmRequest(2, ScoreRange.DEFAULT, sampling.withSeed(11))).text();
        String other = backend.complete(grmRequest(2, ScoreRange.DEFAULT, sampling.withSeed(12))).text();

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void reports_length_when_the_budget_runs_out() {
        Completion completion = backend.complete(grmRequest(2, ScoreRange.DEFAULT,
                SamplingOptions.sampled(0.5).withSeed(1).withMaxOutputTokens(20)));

        assertThat(completion.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(completion.usage().outputTokens()).isEqualTo(20);
        assertThat(completion.text()).startsWith("Specific Criteria:\n");
    }

    @Test
    void completes_a_prompt_without_fences_unconstrained_up_to_the_budget() {
        CompletionRequest request = new CompletionRequest(List.of(Message.user("Say something.")),
                SamplingOptions.sampled(1.0).withSeed(3).withMaxOutputTokens(12));

        Completion completion = backend.complete(request);

        assertThat(completion.text()).doesNotStartWith("Specific Criteria:");
        assertThat(completion.usage().outputTokens()).isBetween(1L, 12L);
    }

    @Test
    void renders_the_messages_with_the_models_chat_template() {
        String prompt = backend.render(List.of(Message.system("Be strict."), Message.user("Rate \"this\".")));

        assertThat(prompt).isEqualTo("<|im_start|>system\nBe strict.<|im_end|>\n"
                + "<|im_start|>user\nRate \"this\".<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void a_pointwise_grm_on_it_scores() {
        PointwiseGrm grm = PointwiseGrm.builder(backend).build();
        GrmRequest request = GrmRequest.of("What is 2 + 2?", "4", "5");

        Judgement judgement = grm.judge(request, SamplingOptions.sampled(0.5).withSeed(5).withMaxOutputTokens(BUDGET));

        assertThat(judgement.outcome()).isEqualTo(Outcome.SCORED);
        assertThat(judgement.scores()).hasSize(2);
        assertThat(judgement.critique()).startsWith("Response 1: ");
        assertThat(grm.modelName()).isEqualTo("tiny-random");
    }

    @Test
    void concurrent_calls_decode_together_in_the_slots_and_each_parses() throws Exception {
        SamplingOptions sampling = SamplingOptions.sampled(0.7).withMaxOutputTokens(BUDGET);
        List<CompletableFuture<Completion>> async = IntStream.range(0, 3)
                .mapToObj(i -> backend.completeAsync(grmRequest(2, ScoreRange.DEFAULT, sampling.withSeed(100 + i))))
                .toList();
        ExecutorService callers = Executors.newFixedThreadPool(3);
        try {
            List<Future<Completion>> sync = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long seed = 200 + i;
                sync.add(callers.submit(() -> backend.complete(grmRequest(2, ScoreRange.DEFAULT, sampling.withSeed(seed)))));
            }
            for (Future<Completion> future : sync) {
                assertThat(parses(future.get().text(), 2)).isTrue();
            }
        } finally {
            callers.shutdown();
        }
        for (CompletableFuture<Completion> future : async) {
            assertThat(parses(future.join().text(), 2)).isTrue();
        }
        assertThat(backend.slots()).isEqualTo(LlamaCppBackend.DEFAULT_SLOTS);
        // Six calls at once on four slots: four ran together, the others waited for a free slot.
        assertThat(backend.peakRunning()).isEqualTo(LlamaCppBackend.DEFAULT_SLOTS);
    }

    @Test
    void on_one_slot_calls_take_turns_and_a_seed_gives_the_same_answer_whatever_ran_between() throws IOException {
        try (LlamaCppBackend serial = LlamaCppBackend.builder(modelFile).slots(1).build()) {
            SamplingOptions sampling = SamplingOptions.sampled(0.7).withMaxOutputTokens(BUDGET);
            List<CompletableFuture<Completion>> async = IntStream.range(0, 3)
                    .mapToObj(i -> serial.completeAsync(grmRequest(2, ScoreRange.DEFAULT, sampling.withSeed(100 + i))))
                    .toList();
            async.forEach(CompletableFuture::join);

            assertThat(serial.peakRunning()).isEqualTo(1);
            // Seed 101 again, after seed 102 ran in between. Not seed 100: the first call prefilled the prompt
            // from scratch, every later one reuses the slot's cached prompt, and the other batch shape can
            // round one logit differently, which on a random model flips a near tie.
            assertThat(serial.complete(grmRequest(2, ScoreRange.DEFAULT, sampling.withSeed(101))).text())
                    .isEqualTo(async.get(1).join().text());
        }
    }

    @Test
    void closing_fails_queued_calls_and_later_ones() throws IOException {
        LlamaCppBackend closing = LlamaCppBackend.builder(modelFile).slots(1).build();
        SamplingOptions sampling = SamplingOptions.sampled(0.7).withMaxOutputTokens(BUDGET);
        List<CompletableFuture<Completion>> queued = IntStream.range(0, 4)
                .mapToObj(i -> closing.completeAsync(grmRequest(2, ScoreRange.DEFAULT, sampling.withSeed(i))))
                .toList();

        closing.close();

        // The call already running may finish; every one still queued fails, none hangs.
        long failed = queued.stream().filter(future -> {
            try {
                future.join();
                return false;
            } catch (CompletionException e) {
                assertThat(e.getCause()).isInstanceOf(BackendException.class).hasMessageContaining("backend is closed");
                return true;
            }
        }).count();
        assertThat(failed).isGreaterThanOrEqualTo(3);
        assertThatThrownBy(() -> closing.complete(grmRequest(1, ScoreRange.DEFAULT, sampling)))
                .isInstanceOf(BackendException.class)
                .hasMessage("backend is closed: tiny-random");
        assertThat(closing.completeAsync(grmRequest(1, ScoreRange.DEFAULT, sampling)))
                .isCompletedExceptionally();
    }

    @Test
    void a_cancelled_queued_call_never_runs() throws IOException {
        try (LlamaCppBackend serial = LlamaCppBackend.builder(modelFile).slots(1).build()) {
            SamplingOptions sampling = SamplingOptions.sampled(0.7).withMaxOutputTokens(BUDGET);
            CompletableFuture<Completion> running = serial.completeAsync(grmRequest(2, ScoreRange.DEFAULT, sampling.withSeed(1)));
            CompletableFuture<Completion> queued = serial.completeAsync(grmRequest(2, ScoreRange.DEFAULT, sampling.withSeed(2)));

            queued.cancel(false);

            assertThat(running.join().finishReason()).isEqualTo(FinishReason.STOP);
            assertThat(queued).isCancelled();
            assertThat(serial.callsRun()).isEqualTo(1);
        }
    }

    @Test
    void refuses_files_that_are_missing_or_not_models() throws IOException {
        Path missing = dir.resolve("missing.gguf");
        Path text = Files.writeString(dir.resolve("notes.gguf"), "not a model", StandardCharsets.UTF_8);

        assertThatThrownBy(() -> LlamaCppBackend.builder(missing).build())
                .isInstanceOf(BackendException.class)
                .hasMessage("model file not found: " + missing);
        assertThatThrownBy(() -> LlamaCppBackend.builder(text).build())
                .isInstanceOf(BackendException.class)
                .hasMessageStartingWith("llama.cpp cannot load " + text);
    }

    @Test
    void a_prompt_longer_than_the_context_is_refused() throws IOException {
        try (LlamaCppBackend small = LlamaCppBackend.builder(modelFile).contextSize(512).build()) {
            assertThatThrownBy(() -> small.complete(grmRequest(2, ScoreRange.DEFAULT, SamplingOptions.greedy())))
                    .isInstanceOf(BackendException.class)
                    .hasMessageMatching("prompt of \\d+ tokens does not fit the context of 512 tokens; raise the context size");
        }
    }

    @Test
    void engine_seeds_are_32_bits_and_never_the_random_marker() {
        assertThat(LlamaCppBackend.engineSeed(5)).isEqualTo(5);
        assertThat(LlamaCppBackend.engineSeed(0xFFFF_FFFFL)).isEqualTo(Integer.MAX_VALUE);
        assertThat(LlamaCppBackend.engineSeed(1L << 32)).isEqualTo(1);
    }

    /** The GRM call for n responses, as the judge makes it: the default template's prompt and its output spec. */
    static CompletionRequest grmRequest(int n, ScoreRange range, SamplingOptions sampling) {
        List<String> responses = IntStream.range(0, n).mapToObj(i -> "It is " + (4 + i) + ".").toList();
        GrmRequest request = GrmRequest.of("What is 2 + 2?", responses);
        List<Integer> order = IntStream.range(0, n).boxed().toList();
        return new CompletionRequest(PromptTemplate.defaultTemplate().render(request, order, range).messages(), sampling,
                Optional.of(new CompletionRequest.OutputSpec(responses, range)), 1);
    }

    private static boolean parses(String text, int n) {
        return GrmOutputParser.of(ScoreRange.DEFAULT).parse(text, n, true) instanceof ParseResult.Parsed;
    }
}
