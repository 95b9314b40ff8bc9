package dev.grm4j.principles;

import dev.grm4j.core.Message;
import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.FinishReason;
import dev.grm4j.core.backend.LlmBackend;
import dev.grm4j.core.internal.Fences;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A backend that answers each call with a function of the request, optionally after a latency, and
 * records every call. The async path waits on a timer, without holding a thread.
 */
final class ScriptedBackend implements LlmBackend {

    private final Function<CompletionRequest, Completion> script;
    private final Duration latency;
    private final List<CompletionRequest> calls = new CopyOnWriteArrayList<>();

    private ScriptedBackend(Duration latency, Function<CompletionRequest, Completion> script) {
        this.latency = latency;
        this.script = script;
    }

    static ScriptedBackend answering(Function<CompletionRequest, Completion> script) {
        return new ScriptedBackend(Duration.ZERO, script);
    }

    static ScriptedBackend answering(Duration latency, Function<CompletionRequest, Completion> script) {
        return new ScriptedBackend(latency, script);
    }

    /** Answers {@code text}, finishing normally, with 100 input and 20 output tokens. */
    static Completion reply(String text) {
        return new Completion(text, TokenUsage.of(100, 20), FinishReason.STOP);
    }

    @Override
    public Completion complete(CompletionRequest request) {
        calls.add(request);
        if (!latency.isZero()) {
            try {
                TimeUnit.NANOSECONDS.sleep(latency.toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        return script.apply(request);
    }

    @Override
    public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
        calls.add(request);
        CompletableFuture<Completion> future = new CompletableFuture<>();
        CompletableFuture.delayedExecutor(latency.toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
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

    List<CompletionRequest> calls() {
        return calls;
    }

    /** Calls whose prompt fences responses: judge calls. */
    List<CompletionRequest> judgeCalls() {
        return calls.stream().filter(ScriptedBackend::isJudgeCall).toList();
    }

    /** Calls without fenced responses: principle calls. */
    List<CompletionRequest> principleCalls() {
        return calls.stream().filter(call -> !isJudgeCall(call)).toList();
    }

    static boolean isJudgeCall(CompletionRequest call) {
        return !shown(call).isEmpty();
    }

    /** The fenced responses of a call, in presentation order. */
    static List<String> shown(CompletionRequest call) {
        return Fences.extract(userText(call));
    }

    static String userText(CompletionRequest call) {
        List<Message> messages = call.messages();
        return messages.get(messages.size() - 1).content();
    }

    /** A well-formed judge output with these scores, in presentation order. */
    static String judged(List<Integer> presented) {
        StringBuilder box = new StringBuilder();
        presented.forEach(score -> box.append(box.length() == 0 ? "" : ", ").append(score));
        return "Specific Criteria:\n1. Correctness (100%): the answer is right.\n\nAnalysis:\nChecked each one.\n\n"
                + "Scores: \\boxed{" + box + "}";
    }

    /** Principles for the query of a principle call, naming it so tests can tell them apart. */
    static String principlesFor(CompletionRequest call) {
        String user = userText(call);
        String query = user.lines().skip(1).findFirst().orElse("?");
        return "Specific Criteria:\n1. Answers '" + query + "' correctly (70%): the result is right.\n"
                + "2. Clarity (30%): easy to follow.\n";
    }
}
