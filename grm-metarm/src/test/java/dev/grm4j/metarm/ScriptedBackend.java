package dev.grm4j.metarm;

import dev.grm4j.core.TokenUsage;
import dev.grm4j.core.backend.Completion;
import dev.grm4j.core.backend.CompletionRequest;
import dev.grm4j.core.backend.FinishReason;
import dev.grm4j.core.backend.LlmBackend;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** An LLM that answers with a script, recording every question. */
final class ScriptedBackend implements LlmBackend {

    final List<CompletionRequest> calls = new CopyOnWriteArrayList<>();
    private final Function<CompletionRequest, String> script;

    ScriptedBackend(Function<CompletionRequest, String> script) {
        this.script = script;
    }

    @Override
    public Completion complete(CompletionRequest request) {
        return completeAsync(request).join();
    }

    @Override
    public CompletableFuture<Completion> completeAsync(CompletionRequest request) {
        calls.add(request);
        try {
            return CompletableFuture.completedFuture(new Completion(script.apply(request), TokenUsage.of(50, 3),
                    FinishReason.STOP));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public String modelName() {
        return "scripted-meta-judge";
    }
}
