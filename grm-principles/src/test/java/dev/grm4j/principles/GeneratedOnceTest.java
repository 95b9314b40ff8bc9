package dev.grm4j.principles;

import dev.grm4j.core.GrmRequest;
import dev.grm4j.core.Message;
import dev.grm4j.core.Outcome;
import dev.grm4j.core.Principle;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.BackendException;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.Completion.FinishReason;
import dev.grm4j.core.testing.ScriptedBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class GeneratedOnceTest {

    private static final int THREADS = 64;
    private static final int PROMPTS = 10;

    private static GrmRequest request(String query, String... responses) {
        return GrmRequest.of(query, responses.length == 0 ? new String[] {"an answer", "another answer"} : responses);
    }

    private static ScriptedBackend writer(Duration latency) {
        return ScriptedBackend.answering(latency, call -> ScriptedBackend.reply(PrincipleAnswers.principlesFor(call)));
    }

    @Test
    @Timeout(30)
    void makes_exactly_one_call_per_distinct_prompt_when_64_threads_ask_for_10_prompts_at_once() throws Exception {
        // given a principle writer slow enough that every thread asks while the first calls are in flight
        ScriptedBackend backend = writer(Duration.ofMillis(200));
        PrincipleStrategy once = PrincipleStrategy.generatedOnce(backend, 100);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        Map<String, Set<List<Principle>>> seen = new ConcurrentHashMap<>();
        List<Future<?>> threads = new ArrayList<>();

        // when each of 64 threads asks for all 10 prompts, in its own order, with other responses each time
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            threads.add(pool.submit(() -> {
                List<Integer> prompts = new ArrayList<>();
                for (int p = 0; p < PROMPTS; p++) {
                    prompts.add(p);
                }
                Collections.shuffle(prompts, new Random(thread));
                start.await();
                for (int p : prompts) {
                    String query = "Query number " + p + "?";
                    List<Principle> principles = once.principles(request(query, "response " + thread, "other"));
                    seen.computeIfAbsent(query, key -> Collections.newSetFromMap(new IdentityHashMap<>()))
                            .add(principles);
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> thread : threads) {
            thread.get();
        }
        pool.shutdown();

        // then the backend was called once per prompt, and every caller of a prompt got that one list
        assertThat(backend.calls()).hasSize(PROMPTS);
        assertThat(seen).hasSize(PROMPTS);
        seen.forEach((query, lists) -> {
            assertThat(lists).as(query).hasSize(1);
            assertThat(lists.iterator().next().get(0).text()).contains(query);
        });
        assertThat(once.stats().calls()).isEqualTo(PROMPTS);
        assertThat(once.stats().reused()).isEqualTo(THREADS * PROMPTS - PROMPTS);
        assertThat(once.stats().failures()).isZero();
        assertThat(once.stats().tokens()).isEqualTo(TokenUsage.of(100L * PROMPTS, 20L * PROMPTS));
    }

    @Test
    @Timeout(30)
    void shares_one_call_per_prompt_between_640_concurrent_async_callers() {
        ScriptedBackend backend = writer(Duration.ofMillis(200));
        PrincipleStrategy once = PrincipleStrategy.generatedOnce(backend, 100);

        List<CompletableFuture<List<Principle>>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            for (int p = 0; p < PROMPTS; p++) {
                futures.add(once.principlesAsync(request("Query number " + p + "?", "response " + t, "other")));
            }
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();

        assertThat(backend.calls()).hasSize(PROMPTS);
        assertThat(futures).allSatisfy(future -> assertThat(future.join()).hasSize(2));
    }

    @Test
    void keys_on_the_conversation_alone_never_on_the_responses() {
        ScriptedBackend backend = writer(Duration.ZERO);
        PrincipleStrategy once = PrincipleStrategy.generatedOnce(backend, 100);
        GrmRequest multiTurn = GrmRequest.builder()
                .conversation(List.of(Message.user("Hi"), Message.assistant("Hello!"), Message.user("What is 2 + 2?")))
                .responses("4", "5")
                .build();

        List<Principle> first = once.principles(request("What is 2 + 2?", "4", "5"));
        List<Principle> rollout = once.principles(request("What is 2 + 2?", "four", "22", "3"));
        once.principles(multiTurn);

        assertThat(rollout).isSameAs(first);
        assertThat(backend.calls()).hasSize(2);
        String prompt = ScriptedBackend.userText(backend.calls().get(0));
        assertThat(prompt).contains("What is 2 + 2?").doesNotContain("BEGIN RESPONSE");
        assertThat(ScriptedBackend.userText(backend.calls().get(1))).contains("Hello!").contains("[Assistant]");
        assertThat(backend.calls().get(0).sampling().temperature()).isZero();
    }

    @Test
    void evicts_the_least_recently_used_prompt_when_the_cache_is_full() {
        ScriptedBackend backend = writer(Duration.ZERO);
        PrincipleStrategy once = PrincipleStrategy.generatedOnce(backend, 2);

        once.principles(request("A?"));
        once.principles(request("B?"));
        once.principles(request("A?"));   // A is now the most recently used
        once.principles(request("C?"));   // evicts B
        int afterC = backend.calls().size();
        once.principles(request("A?"));   // still cached
        int afterA = backend.calls().size();
        once.principles(request("B?"));   // evicted: called again

        assertThat(afterC).isEqualTo(3);
        assertThat(afterA).isEqualTo(3);
        assertThat(backend.calls()).hasSize(4);
        assertThat(once.stats().reused()).isEqualTo(2);
    }

    @Test
    void surfaces_a_failed_call_as_a_backend_error_and_does_not_cache_it() {
        AtomicInteger attempts = new AtomicInteger();
        ScriptedBackend backend = ScriptedBackend.answering(call -> {
            if (attempts.getAndIncrement() == 0) {
                throw new BackendException("HTTP 503 from provider", null, true, OptionalInt.of(503), Optional.empty());
            }
            return ScriptedBackend.reply(PrincipleAnswers.principlesFor(call));
        });
        PrincipleStrategy once = PrincipleStrategy.generatedOnce(backend, 10);

        assertThatThrownBy(() -> once.principles(request("Q?")))
                .isInstanceOfSatisfying(PrincipleException.class, e -> {
                    assertThat(e.outcome()).isEqualTo(Outcome.BACKEND_ERROR);
                    assertThat(e.reason()).isEqualTo("HTTP 503 from provider");
                    assertThat(e.getCause()).isInstanceOf(BackendException.class);
                });
        List<Principle> retried = once.principles(request("Q?"));

        assertThat(retried).hasSize(2);
        assertThat(backend.calls()).hasSize(2);
        assertThat(once.stats().failures()).isEqualTo(1);
    }

    @Test
    void surfaces_an_answer_without_principles_as_unparseable_and_does_not_cache_it() {
        AtomicInteger attempts = new AtomicInteger();
        ScriptedBackend backend = ScriptedBackend.answering(call -> ScriptedBackend.reply(
                attempts.getAndIncrement() == 0 ? "I'm sorry, I can't help with that." : PrincipleAnswers.principlesFor(call)));
        PrincipleStrategy once = PrincipleStrategy.generatedOnce(backend, 10);

        CompletableFuture<List<Principle>> refused = once.principlesAsync(request("Q?"));

        assertThatThrownBy(refused::join).hasCauseInstanceOf(PrincipleException.class)
                .cause().isInstanceOfSatisfying(PrincipleException.class, e -> {
                    assertThat(e.outcome()).isEqualTo(Outcome.UNPARSEABLE);
                    assertThat(e.reason()).isEqualTo("no principles under 'Specific Criteria'");
                    assertThat(e.rawOutput()).isEqualTo("I'm sorry, I can't help with that.");
                });
        assertThat(once.principlesAsync(request("Q?")).join()).hasSize(2);
        assertThat(backend.calls()).hasSize(2);
        assertThat(once.stats().tokens()).isEqualTo(TokenUsage.of(200, 40));
    }

    @Test
    void treats_an_answer_cut_off_by_the_budget_as_unusable() {
        ScriptedBackend backend = ScriptedBackend.answering(call -> new Completion(
                "Specific Criteria:\n1. Correctness (60%): the", TokenUsage.of(50, 1024), FinishReason.LENGTH));
        PrincipleStrategy once = PrincipleStrategy.generatedOnce(backend, 10);

        assertThatThrownBy(() -> once.principles(request("Q?")))
                .isInstanceOfSatisfying(PrincipleException.class, e -> assertThat(e.reason())
                        .isEqualTo("principle call cut off at maxOutputTokens 1024 (finish reason length)"));
    }

    @Test
    void gives_every_waiter_the_failure_of_the_call_it_shared() {
        ScriptedBackend backend = ScriptedBackend.answering(Duration.ofMillis(100), call -> {
            throw new BackendException("connection refused", null, true, OptionalInt.empty(), Optional.empty());
        });
        PrincipleStrategy once = PrincipleStrategy.generatedOnce(backend, 10);

        List<CompletableFuture<List<Principle>>> waiters = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            waiters.add(once.principlesAsync(request("Q?", "r" + i, "s")));
        }

        assertThat(waiters).allSatisfy(waiter -> assertThatThrownBy(waiter::join)
                .hasRootCauseMessage("connection refused"));
        assertThat(backend.calls()).hasSize(1);
        assertThat(once.stats().failures()).isEqualTo(1);
    }

    @Test
    void does_not_let_one_caller_cancel_the_call_others_share() {
        ScriptedBackend backend = writer(Duration.ofMillis(100));
        PrincipleStrategy once = PrincipleStrategy.generatedOnce(backend, 10);

        CompletableFuture<List<Principle>> impatient = once.principlesAsync(request("Q?"));
        CompletableFuture<List<Principle>> patient = once.principlesAsync(request("Q?"));
        impatient.cancel(true);

        assertThat(patient.join()).hasSize(2);
        assertThat(patient.join().stream().mapToDouble(Principle::weight).sum()).isCloseTo(1.0, within(1e-9));
        assertThat(backend.calls()).hasSize(1);
    }

    @Test
    void refuses_a_cache_without_room() {
        assertThatThrownBy(() -> PrincipleStrategy.generatedOnce(writer(Duration.ZERO), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cacheSize must be >= 1, was 0");
    }
}
