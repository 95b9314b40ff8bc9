package dev.grm4j.voting;

import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.FinishReason;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.internal.Fences;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** Backends for voting tests: scripted answers, optional latency, and counts of calls in flight. */
final class TestBackends {

    private TestBackends() {
    }

    /** A well-formed output with these scores in presentation order. */
    static String output(List<Integer> presented) {
        StringBuilder box = new StringBuilder();
        presented.forEach(score -> box.append(box.length() == 0 ? "" : ", ").append(score));
        return "Specific Criteria:\n1. Correctness (100%): the answer is right.\n\nAnalysis:\nChecked each one.\n\n"
                + "Scores: \\boxed{" + box + "}";
    }

    /** The fenced responses of a call, in presentation order. */
    static List<String> shown(CompletionRequest call) {
        return Fences.extract(call.messages().get(call.messages().size() - 1).content());
    }

    /** Answers with {@code script}, after {@code latency}, without holding a thread while waiting. */
    static final class Scripted implements LlmBackend {
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        private final Function<CompletionRequest, Completion> script;
        private final Duration latency;

        Scripted(Duration latency, Function<CompletionRequest, Completion> script) {
            this.latency = latency;
            this.script = script;
        }

        static Scripted scoring(Duration latency, Function<List<String>, List<Integer>> scores) {
            return new Scripted(latency, call -> new Completion(output(scores.apply(shown(call))),
                    TokenUsage.of(100, 30), FinishReason.STOP));
        }

        @Override
        public Completion complete(CompletionRequest request) {
            return completeAsync(request).join();
        }

        @Override
        public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
            calls.incrementAndGet();
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            CompletableFuture<Completion> future = new CompletableFuture<>();
            CompletableFuture.delayedExecutor(latency.toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
                inFlight.decrementAndGet();
                try {
                    future.complete(script.apply(request));
                } catch (RuntimeException e) {
                    future.completeExceptionally(e);
                }
            });
            return future;
        }

        @Override
        public String modelName() {
            return "scripted";
        }
    }
}
