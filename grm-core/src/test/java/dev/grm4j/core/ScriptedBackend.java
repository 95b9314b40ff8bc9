package dev.grm4j.core;

import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.FinishReason;
import dev.grm4j.core.backend.LlmBackend;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A backend that answers each call with a function of the request, and records every call. */
public final class ScriptedBackend implements LlmBackend {

    private final Function<CompletionRequest, Completion> script;
    private final List<CompletionRequest> calls = new CopyOnWriteArrayList<>();

    private ScriptedBackend(Function<CompletionRequest, Completion> script) {
        this.script = script;
    }

    public static ScriptedBackend answering(Function<CompletionRequest, Completion> script) {
        return new ScriptedBackend(script);
    }

    /** Always answers the same text, finishing normally. */
    public static ScriptedBackend replying(String text) {
        return answering(request -> new Completion(text, TokenUsage.of(100, 20), FinishReason.STOP));
    }

    @Override
    public Completion complete(CompletionRequest request) {
        calls.add(request);
        return script.apply(request);
    }

    @Override
    public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
        try {
            return CompletableFuture.completedFuture(complete(request));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public String modelName() {
        return "scripted";
    }

    public List<CompletionRequest> calls() {
        return calls;
    }

    /** The user message of the last call: where the fenced responses are. */
    public String lastPrompt() {
        List<Message> messages = calls.get(calls.size() - 1).messages();
        return messages.get(messages.size() - 1).content();
    }

    /** A well-formed GRM output with the given scores, in presentation order. */
    public static String output(int... scores) {
        StringBuilder box = new StringBuilder();
        for (int i = 0; i < scores.length; i++) {
            box.append(i == 0 ? "" : ", ").append(scores[i]);
        }
        return """
                Specific Criteria:
                1. Accuracy (60%%): the answer must be correct.
                2. Clarity (40%%): the answer must be easy to follow.

                Analysis:
                Each response was checked against the criteria, step by step.

                Scores: \\boxed{%s}
                """.formatted(box);
    }
}
